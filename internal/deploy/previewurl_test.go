package deploy

import "testing"

func TestPreviewURLHasTheProxysPortUnless80(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"127.0.0.1:8000", "http://shop-preview.example.com:8000/"},
		{"0.0.0.0:80", "http://shop-preview.example.com/"},
		{":80", "http://shop-preview.example.com/"},
		{"", "http://shop-preview.example.com/"},
	} {
		if got := previewURL("shop-preview.example.com", tt.addr); got != tt.want {
			t.Errorf("previewURL(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}
