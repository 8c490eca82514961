package spec

import (
	"reflect"
	"testing"
)

func TestSplitCSV(t *testing.T) {
	cases := map[string][]string{
		"type=local,dest=out":                {"type=local", "dest=out"},
		`type=image,"name=a,b",push=true`:    {"type=image", "name=a,b", "push=true"},
		`"a""b",c`:                           {`a"b`, "c"},
		"":                                   {""},
		`type=image,"annotation.x=y"z`:       {"type=image", "annotation.x=yz"},
		"id=deploy,keys/id_ed25519,keys/rsa": {"id=deploy", "keys/id_ed25519", "keys/rsa"},
	}
	for in, want := range cases {
		got, ok := splitCSV(in)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("splitCSV(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	if _, ok := splitCSV(`type=x,"open`); ok {
		t.Error("an unterminated quote must fail")
	}
}
