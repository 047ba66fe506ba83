package blob

import (
	"hash"
	"io"
	"sync"
	"sync/atomic"
)

const (
	// chunkSize is the unit in which blobs are read, hashed and written.
	chunkSize = 1 << 20
	// pipelineDepth is how many chunks may be in flight between reading,
	// hashing and writing.
	pipelineDepth = 4
)

func (s *Store) getBuf() []byte {
	if b, ok := s.bufs.Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, chunkSize)
}

func (s *Store) putBuf(b []byte) {
	b = b[:cap(b)]
	s.bufs.Put(&b)
}

// copyHashing copies src to dst and feeds every byte to h. A body that fits
// in one chunk is handled inline; a larger one goes through a pipeline in
// which reading the body, hashing and writing run at the same time.
func (s *Store) copyHashing(dst io.Writer, h hash.Hash, src io.Reader) (int64, error) {
	first := s.getBuf()
	n, rerr := fill(src, first)
	if rerr == nil {
		return s.pipeline(dst, h, src, first)
	}
	defer s.putBuf(first)
	if !done(rerr) {
		return 0, &BodyError{rerr}
	}
	h.Write(first[:n])
	if _, err := dst.Write(first[:n]); err != nil {
		return 0, err
	}
	return int64(n), nil
}

// fill reads into b until it is full or r fails; io.EOF means r ended
// cleanly. Unlike io.ReadFull it keeps a reader's own io.ErrUnexpectedEOF
// (a body cut short) distinct from a clean end.
func fill(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// done reports whether a fill error means the body simply ended.
func done(err error) bool { return err == io.EOF }

// chunk is one buffer travelling through the pipeline. It goes back to
// the free list when both the hasher and the writer are done with it.
type chunk struct {
	buf  []byte
	n    int
	refs atomic.Int32
}

// pipeline continues copyHashing for bodies larger than one chunk; first
// is a full chunk already read. The calling goroutine reads the body, one
// goroutine hashes and one writes, so a large upload costs about as long
// as the slowest of the three rather than their sum.
func (s *Store) pipeline(dst io.Writer, h hash.Hash, src io.Reader, first []byte) (int64, error) {
	free := make(chan *chunk, pipelineDepth)
	all := make([]*chunk, pipelineDepth)
	for i := range all {
		all[i] = &chunk{}
		if i == 0 {
			all[i].buf = first
		} else {
			all[i].buf = s.getBuf()
			free <- all[i]
		}
	}
	defer func() {
		for _, c := range all {
			s.putBuf(c.buf)
		}
	}()
	release := func(c *chunk) {
		if c.refs.Add(-1) == 0 {
			free <- c
		}
	}

	toHash := make(chan *chunk, pipelineDepth)
	toWrite := make(chan *chunk, pipelineDepth)
	var (
		wg      sync.WaitGroup
		written int64
		werr    error
		failed  atomic.Bool
	)
	wg.Go(func() {
		for c := range toHash {
			h.Write(c.buf[:c.n])
			release(c)
		}
	})
	wg.Go(func() {
		for c := range toWrite {
			if werr == nil {
				n, err := dst.Write(c.buf[:c.n])
				written += int64(n)
				if err != nil {
					werr = err
					failed.Store(true)
				}
			}
			release(c)
		}
	})

	var rerr error
	c, n := all[0], len(first)
	for {
		if n > 0 {
			c.n = n
			c.refs.Store(2)
			toHash <- c
			toWrite <- c
		} else {
			free <- c
		}
		if rerr != nil || failed.Load() {
			break
		}
		c = <-free
		n, rerr = fill(src, c.buf)
	}
	close(toHash)
	close(toWrite)
	wg.Wait()
	if werr != nil {
		return written, werr
	}
	if !done(rerr) && rerr != nil {
		return written, &BodyError{rerr}
	}
	return written, nil
}
