package db

import (
	"database/sql"
	"strconv"
	"strings"
)

func itoa(n int) string { return strconv.Itoa(n) }

// escapeLike escapes the LIKE wildcards in user input so that it matches literally.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// sqlTxReadOnlySnapshot reads one consistent snapshot across several statements.
var sqlTxReadOnlySnapshot = sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
