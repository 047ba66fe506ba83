package publish

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// buildMessage is one message of the daemon's JSON build stream.
type buildMessage struct {
	Stream      string `json:"stream"`
	Status      string `json:"status"`
	ID          string `json:"id"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Message string `json:"message"`
	} `json:"errorDetail"`
	Aux json.RawMessage `json:"aux"`
}

// readBuildOutput follows the build's message stream to its end,
// copying the builder's text to out, and returns the built image's ID
// (the classic builder sends it as aux; "" when it does not). Status
// lines (a base image being pulled) are written once per change rather
// than once per progress tick. An error message in the stream, which is
// how a failed build ends, becomes an ErrBuild error with the
// builder's words.
func readBuildOutput(r io.Reader, out io.Writer) (id string, err error) {
	dec := json.NewDecoder(r)
	status := make(map[string]string)
	for {
		var msg buildMessage
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			return id, nil
		} else if err != nil {
			return "", fmt.Errorf("reading the build's output: %w", err)
		}
		switch {
		case msg.ErrorDetail != nil && msg.ErrorDetail.Message != "":
			return "", fmt.Errorf("%w: %s", ErrBuild, msg.ErrorDetail.Message)
		case msg.Error != "":
			return "", fmt.Errorf("%w: %s", ErrBuild, msg.Error)
		case msg.Stream != "":
			_, _ = io.WriteString(out, msg.Stream)
		case msg.Status != "":
			if status[msg.ID] == msg.Status {
				continue
			}
			status[msg.ID] = msg.Status
			if msg.ID != "" {
				_, _ = fmt.Fprintf(out, "%s: %s\n", msg.ID, msg.Status)
			} else {
				_, _ = fmt.Fprintln(out, msg.Status)
			}
		case len(msg.Aux) > 0:
			var aux struct{ ID string }
			if json.Unmarshal(msg.Aux, &aux) == nil && aux.ID != "" {
				id = aux.ID
			}
		}
	}
}
