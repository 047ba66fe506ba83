package spec

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
)

var (
	// yamlMark matches the positions in go-yaml's syntax errors.
	yamlMark = regexp.MustCompile(`(?:at )?line (\d+)(?:, column (\d+))?: `)
	// yamlOffset matches the byte offset in go-yaml's encoding errors.
	yamlOffset = regexp.MustCompile(`^offset (\d+): `)
)

// yamlError turns a go-yaml error reading data into a placed problem.
// go-yaml writes "yaml: while parsing X at line 1, column 4: line 2,
// column 9: did not find Y"; the problem is placed at the last position
// and the rest becomes context: "did not find Y (while parsing X)".
func yamlError(err error, data []byte) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, " at <unknown position>", "")
	msg = strings.ReplaceAll(msg, "<unknown position>: ", "")
	if m := yamlOffset.FindStringSubmatchIndex(msg); m != nil {
		e := &Error{Message: msg[m[1]:]}
		if off, err := strconv.Atoi(msg[m[2]:m[3]]); err == nil && off <= len(data) {
			e.Line = 1 + bytes.Count(data[:off], []byte("\n"))
			e.Column = off - bytes.LastIndexByte(data[:off], '\n')
		}
		return e
	}
	marks := yamlMark.FindAllStringSubmatchIndex(msg, -1)
	if len(marks) == 0 {
		return &Error{Message: msg}
	}
	last := marks[len(marks)-1]
	e := &Error{Message: msg[last[1]:]}
	e.Line, _ = strconv.Atoi(msg[last[2]:last[3]])
	if last[4] >= 0 {
		e.Column, _ = strconv.Atoi(msg[last[4]:last[5]])
	}
	if context := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(msg[:last[0]]), ":")); context != "" {
		e.Message += " (" + context + ")"
	}
	return e
}
