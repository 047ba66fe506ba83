package spec

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// span returns the byte offsets of the text of the scalar n in data,
// from its first character (a quote, for a quoted scalar) to just after
// its last, false when the text found there is not n's.
func span(data []byte, n *yaml.Node) (start, end int, ok bool) {
	start, ok = offset(data, n.Line, n.Column)
	if !ok {
		return 0, 0, false
	}
	rest := data[start:]
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		if len(rest) == 0 || rest[0] != '"' {
			return 0, 0, false
		}
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				i++
			case '"':
				return start, start + i + 1, true
			}
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		if len(rest) == 0 || rest[0] != '\'' {
			return 0, 0, false
		}
		for i := 1; i < len(rest); i++ {
			if rest[i] != '\'' {
				continue
			}
			if i+1 < len(rest) && rest[i+1] == '\'' {
				i++
				continue
			}
			return start, start + i + 1, true
		}
	case n.Style == 0:
		// A plain scalar on one line is its value as written; one over
		// several lines is folded and does not match.
		if bytes.HasPrefix(rest, []byte(n.Value)) {
			return start, start + len(n.Value), true
		}
	}
	return 0, 0, false
}

// offset returns the byte offset in data of a node's 1-based line and
// column as the YAML parser counts them: in characters, after a leading
// byte order mark, with CR LF, CR, LF, NEL, LS and PS each ending a line.
func offset(data []byte, line, column int) (int, bool) {
	i := 0
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		i = 3
	}
	for l := 1; l < line; l++ {
		for {
			if i >= len(data) {
				return 0, false
			}
			if w := lineBreak(data[i:]); w > 0 {
				i += w
				break
			}
			i++
		}
	}
	for c := 1; c < column; c++ {
		if i >= len(data) || lineBreak(data[i:]) > 0 {
			return 0, false
		}
		_, w := utf8.DecodeRune(data[i:])
		i += w
	}
	return i, true
}

// lineBreak returns the length of the line break b starts with, 0 if it
// starts with none.
func lineBreak(b []byte) int {
	switch {
	case bytes.HasPrefix(b, []byte("\r\n")):
		return 2
	case b[0] == '\r' || b[0] == '\n':
		return 1
	case bytes.HasPrefix(b, []byte("\u0085")):
		return 2
	case bytes.HasPrefix(b, []byte("\u2028")), bytes.HasPrefix(b, []byte("\u2029")):
		return 3
	}
	return 0
}

// scalarText writes s as a YAML scalar in the style given: quoted as
// given, else plain when it reads back as the same string, else
// double-quoted.
func scalarText(style yaml.Style, s string) string {
	switch {
	case style&yaml.DoubleQuotedStyle != 0:
		return strconv.Quote(s)
	case style&yaml.SingleQuotedStyle != 0:
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	case plainSafe(s):
		return s
	}
	return strconv.Quote(s)
}

// plainChars are the characters an image reference written plain may
// hold: what references hold but for IPv6 brackets, which YAML reads as
// a flow sequence.
var plainChars = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/@:-]*$`)

// yaml11Words are values YAML 1.1 reads as booleans or null, which a
// reader of the file may still follow.
var yaml11Words = []string{"y", "n", "yes", "no", "on", "off", "true", "false", "null"}

// sexagesimal is a YAML 1.1 base-60 number, such as 1:20.
var sexagesimal = regexp.MustCompile(`^[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)

// plainSafe reports whether s written as a plain scalar, in block or
// flow context, reads back as the string s.
func plainSafe(s string) bool {
	if !plainChars.MatchString(s) || sexagesimal.MatchString(s) {
		return false
	}
	for _, w := range yaml11Words {
		if strings.EqualFold(s, w) {
			return false
		}
	}
	var v any
	if err := yaml.Unmarshal([]byte("["+s+"]"), &v); err != nil {
		return false
	}
	l, ok := v.([]any)
	return ok && len(l) == 1 && l[0] == s
}
