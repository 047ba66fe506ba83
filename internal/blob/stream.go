package blob

import (
	"fmt"
	"io"
	"os"
)

// Stream writes the first size bytes of f, a blob from Open, to w and
// returns how many it wrote. The next chunk is read while the current one
// is written, so a blob that is not in the page cache costs no more than
// the slower of the disk and w.
func (s *Store) Stream(f *os.File, size int64, w io.Writer) (int64, error) {
	type filled struct {
		buf []byte
		n   int
		err error
	}
	free := make(chan []byte, 2)
	full := make(chan filled, 2)
	stop := make(chan struct{})
	bufs := [2][]byte{s.getBuf(), s.getBuf()}
	free <- bufs[0]
	free <- bufs[1]
	go func() {
		defer close(full)
		for off := int64(0); off < size; off += chunkSize {
			var b []byte
			select {
			case b = <-free:
			case <-stop:
				return
			}
			n, err := readChunk(f, b, off, size)
			full <- filled{b, n, err}
			if err != nil {
				return
			}
		}
	}()

	var written int64
	var werr error
	for c := range full {
		if c.err != nil {
			werr = fmt.Errorf("reading blob %s: %w", f.Name(), c.err)
			break
		}
		n, err := w.Write(c.buf[:c.n])
		written += int64(n)
		if err != nil {
			werr = err
			break
		}
		free <- c.buf
	}
	close(stop)
	for range full { // let the reader finish before its buffers are reused
	}
	s.putBuf(bufs[0])
	s.putBuf(bufs[1])
	return written, werr
}

// readChunk fills b with the chunk of f at off; the last chunk of a file
// of size bytes may be short.
func readChunk(f *os.File, b []byte, off, size int64) (int, error) {
	want := int(min(int64(len(b)), size-off))
	n, err := f.ReadAt(b[:want], off)
	if n == want {
		return n, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF // the file shrank under us
	}
	return n, err
}
