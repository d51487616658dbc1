package access_test

import (
	"fmt"

	"github.com/gigraph/gigraph/access"
	"github.com/gigraph/gigraph/auth"
	"github.com/gigraph/gigraph/market"
)

// An order's freelancer may accept it; its client may see it but not accept it; a stranger is told
// it does not exist.
func ExampleOrderAction() {
	o := &market.Order{ID: 1, ClientID: 10, FreelancerID: 20, ClientUserID: 1, FreelancerUserID: 2}
	for _, v := range []*auth.Viewer{nil, {UserID: 2}, {UserID: 1}, {UserID: 3}, {UserID: 4, IsAdmin: true}} {
		if err := access.OrderAction(v, o, access.Freelancer); err != nil {
			fmt.Println(market.ErrorCode(err))
		} else {
			fmt.Println("allowed")
		}
	}
	// Output:
	// UNAUTHENTICATED
	// allowed
	// FORBIDDEN
	// NOT_FOUND
	// FORBIDDEN
}
