package deploy

import (
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

func TestPreviousSet(t *testing.T) {
	c := func(id, service string, rev int, set, state string) driver.Instance {
		return driver.Instance{ID: id, Service: service, Revision: rev, Set: set, State: state}
	}
	tests := []struct {
		name  string
		insts []driver.Instance
		want  []string
	}{
		{"the older set beside the live one", []driver.Instance{
			c("a", "web", 1, "blue", "running"), c("b", "web", 1, "blue", "running"),
			c("c", "web", 2, "green", "running"), c("w", "worker", 1, "blue", "running"),
		}, []string{"a", "b"}},
		{"a stopped container is not warm", []driver.Instance{
			c("a", "web", 1, "blue", "exited"), c("c", "web", 2, "green", "running"),
		}, nil},
		{"a later revision is a rollout cut short", []driver.Instance{
			c("c", "web", 2, "green", "running"), c("d", "web", 3, "blue", "running"),
		}, nil},
		{"two older sets cannot be told apart", []driver.Instance{
			c("a", "web", 1, "blue", "running"), c("b", "web", 0, "green", "running"),
			c("c", "web", 2, "green", "running"),
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := previousSet(tt.insts, "web", 2, "2/green")
			var ids []string
			for _, i := range got {
				ids = append(ids, i.ID)
			}
			if len(ids) != len(tt.want) {
				t.Fatalf("got %v, want %v", ids, tt.want)
			}
			for i := range ids {
				if ids[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", ids, tt.want)
				}
			}
		})
	}
}
