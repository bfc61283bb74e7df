package harness

import (
	"os"
	"path/filepath"
)

// IsolateEnv keeps the machine's configuration out of a run: it unsets every
// variable in unset, then sets those in set. The real components under test
// read their cloud's standard variables, so what the tests leave in the
// environment is exactly what they see.
func IsolateEnv(unset []string, set map[string]string) error {
	for _, k := range unset {
		if err := os.Unsetenv(k); err != nil {
			return err
		}
	}
	for k, v := range set {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	return nil
}

// EmptyFile creates an empty file in a new temporary directory (named with
// prefix) and returns its path: a config or credentials file that exists
// and says nothing, so an SDK does not fall back to the user's own.
func EmptyFile(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "empty")
	return p, os.WriteFile(p, nil, 0o600)
}
