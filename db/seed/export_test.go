package seed

// SetBulkOrders lets tests run the bulk path (indexes dropped and rebuilt) on small data.
func SetBulkOrders(n int) (restore func()) {
	old := bulkOrders
	bulkOrders = n
	return func() { bulkOrders = old }
}
