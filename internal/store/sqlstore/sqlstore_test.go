package sqlstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/cloudgate/cloudgate/internal/store"
	"github.com/cloudgate/cloudgate/internal/urn"
)

func TestSplitStatements(t *testing.T) {
	body := `-- a comment
CREATE TABLE a (x INTEGER);

CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1;

    RETURN NULL;
END;
$$;
CREATE TRIGGER t AFTER INSERT ON a
    FOR EACH STATEMENT EXECUTE FUNCTION f();
`
	got := splitStatements(body)
	want := []string{
		"CREATE TABLE a (x INTEGER);",
		"CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    PERFORM 1;\n\n    RETURN NULL;\nEND;\n$$;",
		"CREATE TRIGGER t AFTER INSERT ON a\n    FOR EACH STATEMENT EXECUTE FUNCTION f();",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("splitStatements =\n%q\nwant\n%q", got, want)
	}
}

func TestSortedTouches(t *testing.T) {
	a, b := urn.UUID{1}, urn.UUID{2}
	t0 := time.Unix(100, 0)
	in := []store.Touch{{ID: b, At: t0}, {ID: a, At: t0}, {ID: b, At: t0.Add(time.Second)}, {ID: a, At: t0.Add(-time.Second)}}
	got := sortedTouches(in)
	want := []store.Touch{{ID: a, At: t0}, {ID: b, At: t0.Add(time.Second)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("sortedTouches = %v, want %v", got, want)
	}
	if in[0].ID != b {
		t.Fatal("the caller's slice was reordered")
	}
}
