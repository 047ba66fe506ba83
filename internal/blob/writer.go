package blob

import "os"

// writebackEvery is how often the kernel is asked to start writing an
// upload's dirty pages, so that the fsync at commit finds little left.
const writebackEvery = 8 << 20

// fileWriter writes an upload body at the end of the upload file through
// the page cache, so that the pull that usually follows a push is served
// from memory, and starts writeback as it goes.
type fileWriter struct {
	f           *os.File
	off, kicked int64
}

func (w *fileWriter) Write(p []byte) (int, error) {
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
