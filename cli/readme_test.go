package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The README's configuration table names every flag of serve and every
// variable the commands read, and its commands name every other flag: a
// newcomer finds all of them in one place.
func TestReadmeNamesEveryFlagAndVariable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, config, ok := strings.Cut(string(readme), "\n## Configuration\n")
	if !ok {
		t.Fatal("README.md has no ## Configuration section")
	}
	config, _, _ = strings.Cut(config, "\n## ")
	table := func(s string) string { // the lines of the section's tables
		var rows []string
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "|") {
				rows = append(rows, l)
			}
		}
		return strings.Join(rows, "\n")
	}(config)

	flagDecl := regexp.MustCompile(`fs\.(?:String|Int64|Int|Bool|Duration)\("([a-z-]+)"|intFlag\(fs, "([a-z-]+)"`)
	envRead := regexp.MustCompile(`"(RTCBILL_[A-Z_]+)"`)
	files, _ := filepath.Glob("*.go")
	var flags, vars []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range flagDecl.FindAllStringSubmatch(string(src), -1) {
			name := m[1] + m[2]
			if f == "serve.go" || f == "serve_options.go" || name == "db" || name == "close-grace" {
				flags = append(flags, name) // serve's: in the table
			} else if !strings.Contains(config, "--"+name) {
				t.Errorf("%s: the flag --%s of its command is not among the README's commands", f, name)
			}
		}
		for _, m := range envRead.FindAllStringSubmatch(string(src), -1) {
			if !slices.Contains(vars, m[1]) {
				vars = append(vars, m[1])
			}
		}
	}
	if len(flags) < 10 || len(vars) < 10 {
		t.Fatalf("found %d flags and %d variables in cli/*.go: the patterns no longer match the code", len(flags), len(vars))
	}
	for _, name := range flags {
		if !strings.Contains(table, "`--"+name+"`") {
			t.Errorf("the flag --%s of serve is not in the README's configuration table", name)
		}
	}
	for _, v := range vars {
		if !strings.Contains(table, "`"+v+"`") {
			t.Errorf("the variable %s is not in the README's configuration table", v)
		}
	}
}
