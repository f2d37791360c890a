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

// A batch smaller than the recent ones waits until it is as large, for at
// most maxGather or half the last commit; others do not wait.
func TestGathering(t *testing.T) {
	type step struct {
		batch    int           // the batch the committer has
		wantMore int           // the size it waits to reach (batch: no wait)
		wantWait time.Duration // for at most how long
		came     int           // how many came in that time
		took     time.Duration // how long it then took to run
	}
	ms := time.Millisecond
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"a lone writer never waits", []step{{1, 1, 0, 0, ms}, {1, 1, 0, 0, ms}, {1, 1, 0, 0, ms}}},
		{"a batch as large as the recent ones does not wait", []step{{16, 16, 0, 0, ms}, {16, 16, 0, 0, ms}, {20, 20, 0, 0, ms}}},
		{"a smaller one waits for the difference", []step{{16, 16, 0, 0, 2 * ms}, {3, 16, maxGather, 13, 2 * ms}, {16, 16, 0, 0, ms},
			{5, 16, maxGather, 4, ms}, {9, 14, maxGather, 5, ms}}},
		{"never longer than half the last commit", []step{{8, 8, 0, 0, 100 * time.Microsecond}, {2, 8, 50 * time.Microsecond, 6, ms}}},
		{"a load that falls away stops the waits", []step{{32, 32, 0, 0, ms},
			{1, 32, maxGather, 0, ms}, {1, 28, maxGather, 0, ms}, {1, 24, maxGather, 0, ms}, {1, 21, maxGather, 0, ms},
			{1, 18, maxGather, 0, ms}, {1, 15, maxGather, 0, ms}, {1, 13, maxGather, 0, ms}, {1, 11, maxGather, 0, ms},
			{1, 9, maxGather, 0, ms}, {1, 7, maxGather, 0, ms}, {1, 6, maxGather, 0, ms}, {1, 5, maxGather, 0, ms},
			{1, 4, maxGather, 0, ms}, {1, 3, maxGather, 0, ms}, {1, 2, maxGather, 0, ms}, {1, 1, 0, 0, ms}}},
	} {
		var g gathering
		for i, s := range tc.steps {
			more, wait := g.more(s.batch)
			if more != s.wantMore || wait != s.wantWait {
				t.Fatalf("%s, step %d: a batch of %d waits to reach %d for up to %v, want %d for up to %v",
					tc.name, i, s.batch, more, wait, s.wantMore, s.wantWait)
			}
			g.done(s.batch+s.came, s.took)
		}
	}
}
