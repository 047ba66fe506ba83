package meta

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/berth-dev/berth/internal/events"
)

// ErrDeliveryUnknown reports a webhook delivery that is not recorded.
var ErrDeliveryUnknown = errors.New("webhook delivery unknown")

// DeliveryState says where a webhook delivery stands.
type DeliveryState string

// Delivery states. A delivery starts pending and ends delivered or failed.
const (
	DeliveryPending   DeliveryState = "pending"
	DeliveryDelivered DeliveryState = "delivered"
	DeliveryFailed    DeliveryState = "failed"
)

// Attempt is one try at delivering a webhook.
type Attempt struct {
	Time     time.Time     `json:"time"`
	Status   int           `json:"status,omitempty"` // HTTP status; 0 when no response came
	Error    string        `json:"error,omitempty"`  // why no response came
	Duration time.Duration `json:"duration"`
}

// Delivery is one event on its way to one webhook.
type Delivery struct {
	ID          string        `json:"id"`
	Webhook     string        `json:"webhook"`
	Event       events.Event  `json:"event"`
	Created     time.Time     `json:"created"`
	State       DeliveryState `json:"state"`
	Attempts    []Attempt     `json:"attempts,omitempty"`
	NextAttempt time.Time     `json:"nextAttempt,omitzero"` // while pending
}

// deliveryKey orders deliveries by creation time, then by the order they
// were recorded in: big-endian Unix nanoseconds, then a sequence number.
// A delivery's ID is its key in hex.
func deliveryKey(created time.Time, seq uint64) []byte {
	key := make([]byte, 16)
	binary.BigEndian.PutUint64(key, uint64(max(created.UnixNano(), 0)))
	binary.BigEndian.PutUint64(key[8:], seq)
	return key
}

// CreateDelivery records d as a new delivery and returns it with its ID.
// IDs sort like the deliveries: by d.Created, then by recording order.
func (db *DB) CreateDelivery(d Delivery) (Delivery, error) {
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDeliveries)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		key := deliveryKey(d.Created, seq)
		d.ID = hex.EncodeToString(key)
		return putDelivery(b, key, d)
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("recording delivery to %s: %w", d.Webhook, err)
	}
	return d, nil
}

// UpdateDelivery replaces the recorded delivery d.ID with d.
func (db *DB) UpdateDelivery(d Delivery) error {
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDeliveries)
		key, ok := parseDeliveryID(d.ID)
		if !ok || b.Get(key) == nil {
			return ErrDeliveryUnknown
		}
		return putDelivery(b, key, d)
	})
	if err != nil {
		return fmt.Errorf("updating delivery %s: %w", d.ID, err)
	}
	return nil
}

// Delivery returns delivery id.
func (db *DB) Delivery(id string) (Delivery, error) {
	var d Delivery
	err := db.view(func(tx *bolt.Tx) error {
		key, ok := parseDeliveryID(id)
		if !ok {
			return ErrDeliveryUnknown
		}
		v := tx.Bucket(bucketDeliveries).Get(key)
		if v == nil {
			return ErrDeliveryUnknown
		}
		var err error
		d, err = decodeDelivery(key, v)
		return err
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("looking up delivery %s: %w", id, err)
	}
	return d, nil
}

// PendingDeliveries lists the deliveries still pending, oldest first.
func (db *DB) PendingDeliveries() ([]Delivery, error) {
	var out []Delivery
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDeliveries).ForEach(func(k, v []byte) error {
			d, err := decodeDelivery(k, v)
			if err == nil && d.State == DeliveryPending {
				out = append(out, d)
			}
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing pending deliveries: %w", err)
	}
	return out, nil
}

// Deliveries lists at most limit deliveries (all when limit is 0 or less),
// newest first, only those to webhook if it is set.
func (db *DB) Deliveries(limit int, webhook string) ([]Delivery, error) {
	out := []Delivery{}
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDeliveries).Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			d, err := decodeDelivery(k, v)
			if err != nil {
				return err
			}
			if webhook == "" || d.Webhook == webhook {
				out = append(out, d)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing deliveries: %w", err)
	}
	return out, nil
}

// PruneDeliveries deletes all but the newest keep finished deliveries and
// returns how many it deleted. Pending deliveries are never deleted.
func (db *DB) PruneDeliveries(keep int) (int, error) {
	var doomed [][]byte
	err := db.view(func(tx *bolt.Tx) error {
		finished := 0
		c := tx.Bucket(bucketDeliveries).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var d struct {
				State DeliveryState `json:"state"`
			}
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("decoding delivery %x: %w", k, err)
			}
			if d.State == DeliveryPending {
				continue
			}
			if finished++; finished > keep {
				doomed = append(doomed, append([]byte(nil), k...))
			}
		}
		return nil
	})
	if err == nil && len(doomed) > 0 {
		// A finished delivery never changes again, so what the scan
		// found finished can be deleted in a later transaction.
		err = db.update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketDeliveries)
			for _, k := range doomed {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return 0, fmt.Errorf("pruning deliveries: %w", err)
	}
	return len(doomed), nil
}

func parseDeliveryID(id string) ([]byte, bool) {
	key, err := hex.DecodeString(id)
	return key, err == nil && len(key) == 16
}

func putDelivery(b *bolt.Bucket, key []byte, d Delivery) error {
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encoding delivery %s: %w", d.ID, err)
	}
	return b.Put(key, data)
}

func decodeDelivery(key, v []byte) (Delivery, error) {
	var d Delivery
	if err := json.Unmarshal(v, &d); err != nil {
		return Delivery{}, fmt.Errorf("decoding delivery %x: %w", key, err)
	}
	d.ID = hex.EncodeToString(key)
	return d, nil
}
