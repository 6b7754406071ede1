package db

import "testing"

func TestRebindDollar(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE x = ? AND y = ?`, `SELECT a FROM t WHERE x = $1 AND y = $2`},
		{`WHERE name LIKE ?1 ESCAPE '\' OR email LIKE ?1 ESCAPE '\' LIMIT ?2`, `WHERE name LIKE $1 ESCAPE '\' OR email LIKE $1 ESCAPE '\' LIMIT $2`},
		{`SELECT '?', "a?b", ? -- what?` + "\nFROM t WHERE z = ?", `SELECT '?', "a?b", $1 -- what?` + "\nFROM t WHERE z = $2"},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
	} {
		if got := rebindDollar(c.in); got != c.want {
			t.Errorf("rebindDollar(%q):\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}
