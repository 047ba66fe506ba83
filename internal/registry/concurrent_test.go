package registry_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestConcurrentPushesOfTheSameContent(t *testing.T) {
	reg := startRegistry(t)
	img, err := random.Image(200<<10, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := mustDigest(t, img)
	const workers = 16
	var wg sync.WaitGroup
	errs := make(chan error, workers*2)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Half push to the same tag, half to their own; all share
			// every blob and the manifest.
			tag := "shared"
			if i%2 == 1 {
				tag = fmt.Sprintf("w%d", i)
			}
			if err := remote.Write(reg.ref("race/app:"+tag), img); err != nil {
				errs <- fmt.Errorf("worker %d: %w", i, err)
			}
			if err := remote.Write(reg.ref(fmt.Sprintf("race/own%d:v1", i%4)), img); err != nil {
				errs <- fmt.Errorf("worker %d, own repository: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	verifyImage(t, reg.ref("race/app:shared"), want)
	for i := 1; i < workers; i += 2 {
		verifyImage(t, reg.ref(fmt.Sprintf("race/app:w%d", i)), want)
	}
	for i := range 4 {
		verifyImage(t, reg.ref(fmt.Sprintf("race/own%d:v1", i)), want)
	}
}
