package blob

import (
	"hash"
	"io"
	"os"
)

const (
	// chunkSize is the unit in which upload bodies are read, hashed and
	// written.
	chunkSize = 1 << 20
	// pipelineDepth bounds how far writing may run ahead of hashing.
	pipelineDepth = 4
	// writebackEvery is how often the kernel is asked to start writing an
	// upload's dirty pages, so that the fsync at commit finds little left.
	writebackEvery = 8 << 20
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
// in one chunk is handled inline; a larger one is hashed on a second
// goroutine while the next chunk is read and written, so hashing and I/O
// overlap on separate cores.
func (s *Store) copyHashing(dst io.Writer, h hash.Hash, src io.Reader) (int64, error) {
	first := s.getBuf()
	n, rerr := fill(src, first)
	if rerr != nil {
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
	return s.pipeline(dst, h, src, first)
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

// pipeline continues copyHashing for bodies larger than one chunk; first is
// a full chunk already read.
func (s *Store) pipeline(dst io.Writer, h hash.Hash, src io.Reader, first []byte) (int64, error) {
	bufs := [pipelineDepth][]byte{first}
	free := make(chan []byte, pipelineDepth)
	for i := 1; i < pipelineDepth; i++ {
		bufs[i] = s.getBuf()
		free <- bufs[i]
	}
	defer func() {
		for _, b := range bufs {
			s.putBuf(b)
		}
	}()
	work := make(chan []byte, pipelineDepth)
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		for b := range work {
			h.Write(b)
			free <- b[:cap(b)]
		}
	}()

	var (
		total int64
		err   error
		b     = first
		n     = len(first)
		rerr  error
	)
	for {
		if n > 0 {
			work <- b[:n] // the hasher reads b while it is written below
			if _, werr := dst.Write(b[:n]); werr != nil {
				err = werr
				break
			}
			total += int64(n)
		} else {
			free <- b
		}
		if rerr != nil {
			if !done(rerr) {
				err = &BodyError{rerr}
			}
			break
		}
		b = <-free
		n, rerr = fill(src, b)
	}
	close(work)
	<-hashed
	return total, err
}

// writeback writes to an upload file at off and asks the kernel to start
// flushing every writebackEvery bytes.
type writeback struct {
	f           *os.File
	off, kicked int64
}

func (w *writeback) Write(p []byte) (int, error) {
	n, err := w.f.WriteAt(p, w.off)
	w.off += int64(n)
	if err != nil {
		return n, err
	}
	if w.off-w.kicked >= writebackEvery {
		startWriteback(w.f, w.kicked, w.off-w.kicked)
		w.kicked = w.off
	}
	return n, nil
}
