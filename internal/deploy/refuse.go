package deploy

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/spec"
)

// applies refuses a spec that sets a key the driver does not apply,
// with the file, line and key of each and the driver's reason, before
// anything changes on the host.
func (e *Engine) applies(file string, data []byte, app *spec.App) error {
	r, ok := e.driver.(driver.Refuser)
	if !ok {
		return nil
	}
	var errs spec.Errors
	for _, svc := range app.Services {
		for _, key := range svc.Keys {
			why := r.Refuses(key)
			if why == "" {
				continue
			}
			path := append([]string{"services", svc.Name}, strings.Split(key, ".")...)
			errs = append(errs, spec.At(file, data, path, fmt.Sprintf("not supported by the %s driver: %s", e.driver.Name(), why)))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrSpec, errs)
}
