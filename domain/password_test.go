package domain

import (
	"strings"
	"testing"
)

func TestCommonPasswordListIsLowerCaseAndLongEnough(t *testing.T) {
	n := 0
	for _, line := range strings.Split(commonPasswordsFile, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		if line != strings.ToLower(line) || len([]rune(line)) < MinPasswordLen {
			t.Errorf("list entry %q: want lower case and at least %d characters (shorter ones are refused anyway)", line, MinPasswordLen)
		}
	}
	if n < 200 {
		t.Errorf("the list has %d entries, want a few hundred", n)
	}
}
