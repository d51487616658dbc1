package relay

import "testing"

// FuzzParseID: any string is either a valid ID that round-trips or refused; never a panic.
func FuzzParseID(f *testing.F) {
	f.Add(ID("Skill", 42))
	f.Add("' OR 1=1 --")
	f.Add("U2tpbGw6LTE")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		typ, key, ok := ParseID(s)
		if ok && ID(typ, key) != s {
			t.Fatalf("ParseID(%q) = %q, %d but ID gives %q", s, typ, key, ID(typ, key))
		}
	})
}

// FuzzDecodeCursor: any string decodes or is BAD_USER_INPUT; never a panic.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(EncodeCursor("name", "Go", int64(7)))
	f.Add("' OR 1=1 --")
	f.Add("eyJvIjoibmFtZSIsImsiOlsxLDJdfQ")
	f.Fuzz(func(t *testing.T, s string) {
		var name string
		var id int64
		if err := DecodeCursor(s, "name", "after", &name, &id); err == nil {
			if got := EncodeCursor("name", name, id); got == "" {
				t.Fatal("empty cursor")
			}
		}
	})
}
