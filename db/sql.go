package db

import (
	"strconv"
	"strings"
)

func itoa(n int) string { return strconv.Itoa(n) }

// escapeLike escapes the LIKE wildcards in user input so that it matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
