package views

// Pager links a page of a list to the pages before and after it. Lists
// come a page at a time, so that no page grows with the data.
type Pager struct {
	Page int // from 1
	// PrevURL and NextURL lead to the neighbouring pages; empty when there
	// is none.
	PrevURL string
	NextURL string
}

// Show says whether there is another page to link.
func (p Pager) Show() bool { return p.PrevURL != "" || p.NextURL != "" }
