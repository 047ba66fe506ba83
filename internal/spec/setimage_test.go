package spec

import (
	"errors"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// marked splits src, where « and » mark the text of the image to edit,
// into the file without the marks and the file with the marked text
// replaced by repl.
func marked(t testing.TB, src, repl string) (in, want string) {
	t.Helper()
	before, rest, ok := strings.Cut(src, "«")
	old, after, ok2 := strings.Cut(rest, "»")
	if !ok || !ok2 || strings.ContainsAny(after, "«»") {
		t.Fatalf("the test's file does not mark one image: %q", src)
	}
	return before + old + after, before + repl + after
}

func TestSetImageChangesOnlyTheImage(t *testing.T) {
	const v2 = "127.0.0.1:5000/shop/web:v1.4.3"
	tests := []struct {
		name    string
		src     string
		service string // web when empty
		image   string // v2 when empty
		text    string // the new text: the image, quoted as the old one was
	}{
		{"a block mapping with a comment after the image", `name: shop
# the shop
services:
  web:   # the storefront
    image: «127.0.0.1:5000/shop/web:v1.4.2»   # bumped by berth
    command: [serve]

  worker:
    image: 127.0.0.1:5000/shop/worker:v1.4.2
`, "", "", v2},
		{"a flow mapping for the service", "name: shop\nservices:\n  web: {image: «shop/web:v1», ports: ['8080'], command: [a, b]}\n  worker: {image: shop/web:v1}\n", "", "", v2},
		{"a file in flow style", "{name: shop, services: {worker: {image: shop/web:v1}, web: {image: «shop/web:v1»}}}\n", "", "", v2},
		{"a double-quoted image", "name: shop\nservices:\n  web:\n    image: «\"shop/web:v1\"» # quoted\n", "", "", `"` + v2 + `"`},
		{"a single-quoted image", "name: shop\nservices:\n  web:\n    image: «'shop/web:v1'»\n", "", "", `'` + v2 + `'`},
		{"a single-quoted image in a flow mapping", "name: shop\nservices: {web: {image: «'shop/web:v1'», x-berth: {ready_after: 1s}}}\n", "", "", `'` + v2 + `'`},
		{"CRLF line endings", "name: shop\r\nservices:\r\n  worker:\r\n    image: shop/worker:v1\r\n  web:\r\n    image: «shop/web:v1»\r\n    command: [serve]\r\n", "", "", v2},
		{"anchors and merge keys elsewhere in the file", `name: shop
x-common: &common
  environment: {A: "1"}
  labels: &labels {team: shop}
services:
  web:
    <<: *common
    image: «shop/web:v1»
  worker:
    <<: *common
    image: shop/web:v1
    labels: *labels
`, "", "", v2},
		{"several services with similar names", `name: shop
services:
  web2: {image: shop/web:v1}
  webapp:
    image: shop/web:v1
  "web":
    image: «shop/web:v1»
  web-web:
    image: shop/web:v1
`, "", "", v2},
		{"image: in a comment and in another service's environment", `name: shop
services:
  # image: shop/web:v1, set by CI
  docs:
    image: shop/docs:v1
    environment:
      NOTE: "image: shop/web:v1"
      web: shop/web:v1
  web:
    # image: shop/web:v0
    image: «shop/web:v1» # image: shop/web:v1
`, "", "", v2},
		{"several YAML documents", "name: shop\nservices:\n  web: {image: shop/web:v0}\n---\nservices:\n  web:\n    image: «shop/web:v1»\n", "", "", v2},
		{"a later document that does not set the image", "name: shop\nservices:\n  web:\n    image: «shop/web:v1»\n---\nservices:\n  web: {command: [serve]}\n", "", "", v2},
		{"wide characters before the image on its line", "name: shop\nservices:\n  web: {labels: {note: \"café – ünïcode\"}, image: «shop/web:v1»}\n", "", "", v2},
		{"a line separator inside a string before the image", "name: shop\nservices:\n  web:\n    environment: {A: \"one\u2028two\"}\n    image: «shop/web:v1»\n", "", "", v2},
		{"a byte order mark", "\ufeffname: shop\nservices: {web: {image: «shop/web:v1»}}\n", "", "", v2},
		{"a tab after the colon", "name: shop\nservices:\n  web:\n    image:\t«shop/web:v1»\n", "", "", v2},
		{"an image pinned by digest", "name: shop\nservices:\n  web:\n    image: «shop/web:v1@sha256:" + strings.Repeat("a", 64) + "»\n", "", "shop/web:v2@sha256:" + strings.Repeat("b", 64), "shop/web:v2@sha256:" + strings.Repeat("b", 64)},
		{"a plain image that must be quoted", "name: shop\nservices:\n  web:\n    image: «shop/web:v1»\n", "", "[::1]:5000/shop/web:v2", `"[::1]:5000/shop/web:v2"`},
		{"a plain image that would read as a boolean", "name: shop\nservices:\n  web:\n    image: «shop/web:v1»\n", "", "yes", `"yes"`},
		{"a plain image that would read as a number", "name: shop\nservices:\n  web:\n    image: «shop/web:v1»\n", "", "1_000", `"1_000"`},
		{"the other of two services", "name: shop\nservices:\n  web: {image: shop/web:v1}\n  worker: {image: «shop/worker:v1»}\n", "worker", "shop/worker:v2", "shop/worker:v2"},
		{"an image policy beside the image", "name: shop\nservices:\n  web:\n    image: «shop/web:v1.4.2»\n    x-berth:\n      update: {policy: semver, range: \"^1.4\"}\n", "", "", v2},
		{"a file that needs variables to parse", "name: shop\nservices:\n  web:\n    image: «shop/web:v1»\n    environment: {URL: \"${URL:?set URL}\"}\n", "", "", v2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			service, image := tt.service, tt.image
			if service == "" {
				service = "web"
			}
			if image == "" {
				image = v2
			}
			in, want := marked(t, tt.src, tt.text)
			got, err := SetImage([]byte(in), service, image)
			if err != nil {
				t.Fatalf("SetImage: %v", err)
			}
			if string(got) != want {
				t.Fatalf("SetImage gave\n%q\nwant\n%q", got, want)
			}
		})
	}
}

func TestSetImageGivesTheAppTheImage(t *testing.T) {
	src := "name: shop\nservices:\n  web:\n    image: shop/web:v1\n  web2:\n    image: shop/web:v1\n"
	out, err := SetImage([]byte(src), "web", "shop/web:v2")
	if err != nil {
		t.Fatal(err)
	}
	app := mustParse(t, string(out))
	if app.Services[0].Image != "shop/web:v2" || app.Services[1].Image != "shop/web:v1" {
		t.Fatalf("images after SetImage: %s, %s", app.Services[0].Image, app.Services[1].Image)
	}
}

func TestSetImageRefuses(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		service string
		reason  string
	}{
		{"an interpolated image", svc("image: ${IMAGE}"), "web", "${VAR} interpolation"},
		{"an image with an interpolated registry", svc(`image: "${REGISTRY}/shop/web:v1"`), "web", "${VAR} interpolation"},
		{"an aliased image", "name: shop\nx-img: &img shop/web:v1\nservices:\n  web:\n    image: *img\n", "web", "alias (*img)"},
		{"an anchored image", "name: shop\nservices:\n  web:\n    image: &img shop/web:v1\n  worker:\n    image: *img\n", "web", "anchor (&img)"},
		{"an image from a merge key", "name: shop\nx-base: &base {image: shop/web:v1}\nservices:\n  web:\n    <<: *base\n", "web", "merge key"},
		{"a service that is an alias", "name: shop\nx-base: &base {image: shop/web:v1}\nservices:\n  web: *base\n", "web", "alias (*base)"},
		{"an image as a block scalar", svc("image: >-", "  shop/web:v1"), "web", "block scalar"},
		{"an image with a tag", svc("image: !!str shop/web:v1"), "web", "YAML tag"},
		{"an empty image", svc("image:"), "web", "empty"},
		{"a service the file does not have", svc("image: shop/web:v1"), "webapp", "no such service"},
		{"a service without an image of its own", "name: shop\nservices:\n  base: {image: shop/web:v1}\n  web: {extends: base}\n", "web", "no image key of its own"},
		{"a UTF-16 file", "\xff\xfen\x00", "web", "UTF-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := SetImage([]byte(tt.src), tt.service, "shop/web:v2")
			var e *EditError
			if !errors.As(err, &e) || !errors.Is(err, ErrNotEditable) {
				t.Fatalf("SetImage = %q, %v; want an *EditError wrapping ErrNotEditable", out, err)
			}
			if e.Service != tt.service || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("SetImage = %v, want it to name service %s and say %q", err, tt.service, tt.reason)
			}
		})
	}
}

func TestSetImageRefusesAValueThatIsNoImage(t *testing.T) {
	for _, image := range []string{"", "Shop/Web:v1", "shop/web:v1 # x", "${IMAGE}", "shop/web:\"v1\"", "shop/web:v1\nname: x"} {
		t.Run(image, func(t *testing.T) {
			out, err := SetImage([]byte(svc("image: shop/web:v1")), "web", image)
			if err == nil || errors.Is(err, ErrNotEditable) || !strings.Contains(err.Error(), "not an image reference") {
				t.Fatalf("SetImage(%q) = %q, %v; want an error saying it is not an image reference", image, out, err)
			}
		})
	}
}

func TestSetImageRefusesAFileThatIsNotYAML(t *testing.T) {
	_, err := SetImage([]byte("services: [\n"), "web", "shop/web:v2")
	var e *Error
	if !errors.As(err, &e) || e.Line == 0 {
		t.Fatalf("SetImage = %v, want an *Error with a line", err)
	}
}

func FuzzSetImage(f *testing.F) {
	f.Add([]byte("name: shop\nservices:\n  web:\n    image: shop/web:v1 # c\n  web2: {image: shop/web:v1}\n"), "v2")
	f.Add([]byte("name: shop\r\nservices: {web: {image: 'shop/web:v1', ports: ['80']}}\r\n"), "1.0")
	f.Add([]byte("name: shop\nx: &a {labels: {a: \"é\"}}\nservices:\n  web: {<<: *a, image: \"shop/web:v1\"}\n---\nservices: {web: {command: [x]}}\n"), "build-7")
	f.Add([]byte("name: shop\nservices:\n  web:\n    image: shop/web:v1\n    x-berth: {update: {policy: semver}}\n"), "yes")
	f.Fuzz(func(t *testing.T, data []byte, tag string) {
		app, err := Parse("compose.yaml", data, "app", nil)
		if err != nil {
			return
		}
		tr, yerr := parseTree(data)
		if yerr != nil {
			t.Fatalf("Parse accepted what parseTree refuses: %v", yerr)
		}
		if !tagRE.MatchString(tag) {
			tag = "v2"
		}
		image := "example.com/next/image:" + tag
		for _, s := range app.Services {
			n, eerr := imageScalar(tr, s.Name)
			if eerr != nil || n.Style != 0 {
				continue // only a plain image is promised to be editable
			}
			out, err := SetImage(data, s.Name, image)
			if err != nil {
				t.Fatalf("SetImage of service %s in\n%q\n: %v", s.Name, data, err)
			}
			now, err := Parse("compose.yaml", out, "app", nil)
			if err != nil {
				t.Fatalf("the edited file does not parse: %v\n%q", err, out)
			}
			want := *app
			want.Services = append([]Service(nil), app.Services...)
			for i := range want.Services {
				if want.Services[i].Name == s.Name {
					want.Services[i].Image = image
				}
			}
			want.Hash, now.Hash = "", ""
			if !reflect.DeepEqual(&want, now) {
				t.Fatalf("the edited file reads as another app:\n%q", out)
			}
			// Outside the one value, the bytes are the same.
			p := commonPrefix(data, out)
			q := commonPrefix(reversed(data[p:]), reversed(out[p:]))
			if old := string(data[p : len(data)-q]); !strings.Contains(n.Value, old) {
				t.Fatalf("the edit changed %q, which is not within the image %q", old, n.Value)
			}
			if added := string(out[p : len(out)-q]); !strings.Contains(image, added) && !strings.Contains(strconv.Quote(image), added) {
				t.Fatalf("the edit wrote %q, which is not within the image %q", added, image)
			}
		}
	})
}

// tagRE is the OCI grammar for a tag.
var tagRE = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func reversed(b []byte) []byte {
	r := make([]byte, len(b))
	for i, c := range b {
		r[len(b)-1-i] = c
	}
	return r
}

// BenchmarkSetImage edits the image of a two-service spec, which
// SetImage checks by parsing it before and after.
func BenchmarkSetImage(b *testing.B) {
	data := []byte(hashBase)
	for b.Loop() {
		if _, err := SetImage(data, "web", "127.0.0.1:5000/shop/web:v9.9.9"); err != nil {
			b.Fatal(err)
		}
	}
}
