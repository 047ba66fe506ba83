package gitsource

import (
	"container/heap"
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Log returns the commits reachable from to and not from from (as git
// log from..to shows them), newest first, at most n (all when n <= 0).
// from "" excludes nothing; to "" is the tip last fetched.
func (r *Repo) Log(ctx context.Context, from, to string, n int) ([]Commit, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if to == "" {
		ref, err := r.git.Reference(r.trackingRef(), true)
		if err != nil {
			return nil, fmt.Errorf("reading the tip of branch %s of source %s: %w", r.branch, r.name, err)
		}
		to = ref.Hash().String()
	}
	tip, err := r.commitOf(to)
	if err != nil {
		return nil, err
	}
	w := newLogWalk()
	w.push(tip, false)
	if from != "" {
		base, err := r.commitOf(from)
		if err != nil {
			return nil, err
		}
		w.push(base, true)
	}
	var out []Commit
	for w.interesting > 0 && (n <= 0 || len(out) < n) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, excluded := w.pop()
		if !excluded {
			out = append(out, toCommit(c))
		}
		err := c.Parents().ForEach(func(p *object.Commit) error {
			w.push(p, excluded)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading the parents of commit %s of source %s: %w", c.Hash, r.name, err)
		}
	}
	return out, nil
}

// logWalk walks commits newest first, as git rev-list does: a commit
// reachable from an excluded one is excluded, and since a commit is not
// older than its parents, it is known to be excluded by the time it is
// the newest left (of commits made in the same second, excluded ones go
// first). The walk is over when only excluded commits are left.
type logWalk struct {
	queue commitQueue
	// excluded holds every commit seen: true when it is excluded.
	excluded map[plumbing.Hash]bool
	queued   map[plumbing.Hash]bool
	// interesting counts the queued commits not excluded.
	interesting int
}

func newLogWalk() *logWalk {
	excluded := map[plumbing.Hash]bool{}
	return &logWalk{queue: commitQueue{excluded: excluded}, excluded: excluded, queued: map[plumbing.Hash]bool{}}
}

func (w *logWalk) push(c *object.Commit, excluded bool) {
	was, seen := w.excluded[c.Hash]
	if seen {
		if excluded && !was {
			w.excluded[c.Hash] = true
			if w.queued[c.Hash] {
				w.interesting--
				w.queue.fix(c.Hash)
			}
		}
		return
	}
	w.excluded[c.Hash], w.queued[c.Hash] = excluded, true
	if !excluded {
		w.interesting++
	}
	heap.Push(&w.queue, c)
}

func (w *logWalk) pop() (*object.Commit, bool) {
	c := heap.Pop(&w.queue).(*object.Commit)
	delete(w.queued, c.Hash)
	excluded := w.excluded[c.Hash]
	if !excluded {
		w.interesting--
	}
	return c, excluded
}

// commitQueue is a heap of commits, the newest committed on top and, of
// those committed at once, the excluded ones first.
type commitQueue struct {
	commits  []*object.Commit
	excluded map[plumbing.Hash]bool
}

func (q *commitQueue) Len() int { return len(q.commits) }
func (q *commitQueue) Less(i, j int) bool {
	ci, cj := q.commits[i], q.commits[j]
	if ti, tj := ci.Committer.When, cj.Committer.When; !ti.Equal(tj) {
		return ti.After(tj)
	}
	if ei, ej := q.excluded[ci.Hash], q.excluded[cj.Hash]; ei != ej {
		return ei
	}
	return ci.Hash.String() < cj.Hash.String()
}
func (q *commitQueue) Swap(i, j int) { q.commits[i], q.commits[j] = q.commits[j], q.commits[i] }
func (q *commitQueue) Push(x any)    { q.commits = append(q.commits, x.(*object.Commit)) }
func (q *commitQueue) Pop() any {
	c := q.commits[len(q.commits)-1]
	q.commits = q.commits[:len(q.commits)-1]
	return c
}

// fix restores the heap's order after the commit h was excluded.
func (q *commitQueue) fix(h plumbing.Hash) {
	for i, c := range q.commits {
		if c.Hash == h {
			heap.Fix(q, i)
			return
		}
	}
}
