package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"rtcbill/billing"
	"rtcbill/db"
	"rtcbill/domain"
	"rtcbill/handlers"
	"rtcbill/views"
)

// billCommand runs "rtcbill bill": an account's bill for a month, as text
// or as the API's JSON (an estimate while the month runs).
func billCommand(args []string, stdout io.Writer) error {
	fs := newFlags("bill", "rtcbill bill: print an account's bill for a month (an estimate while the month runs).")
	path := dbFlag(fs, "")
	account := fs.Int64("account", 0, "account id (required)")
	monthArg := fs.String("month", "", "month YYYY-MM, CST (required)")
	asJSON := fs.Bool("json", false, "print the bill as the API's JSON")
	closeGrace := closeGraceFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	grace, err := closeGrace()
	if err != nil {
		return err
	}
	if *account <= 0 {
		return errors.New("bill: --account is required")
	}
	month, err := billing.ParseMonth(*monthArg)
	if err != nil {
		return fmt.Errorf("bill: --month must be YYYY-MM, not %q", *monthArg)
	}
	if err := databaseExists("bill", *path); err != nil {
		return err
	}
	ctx := context.Background()
	store, err := db.Open(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	store.SetCloseGrace(grace)
	b, err := store.Bill(ctx, *account, month, time.Now())
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("bill: no account %d in %s", *account, shown(*path))
	}
	if err != nil {
		return err
	}
	j := handlers.ToBillJSON(*account, b)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	return writeBillText(stdout, j)
}

func writeBillText(out io.Writer, j handlers.BillJSON) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	n := views.Int
	fmt.Fprintf(w, "Bill of account %d for %s\t%s\n", j.AccountID, j.Month, j.Status)
	fmt.Fprintf(w, "Issued on\t%s\t\nCharged by\t%s\t\n\t\t\n", j.IssueDate, j.ChargeBy)
	fmt.Fprintf(w, "Usage\t%s min\t(%s s)\n", n(j.UsageMinutes), n(j.UsageSeconds))
	for _, d := range j.Deductions {
		fmt.Fprintf(w, "  from package %d (%s)\t-%s min\n", d.PackageID, d.Plan, n(d.Minutes))
	}
	fmt.Fprintf(w, "Overage\t%s min\t%s CNY\n", n(j.OverageMinutes), j.OverageFee)
	fmt.Fprintf(w, "Refused (service closed)\t%s min\n", n(j.RefusedMinutes))
	for _, x := range j.Expired {
		fmt.Fprintf(w, "Cleared at expiry, package %d (%s, %s)\t%s min\n", x.PackageID, x.Plan, x.ExpiresOn, n(x.Minutes))
	}
	for _, p := range j.Purchases {
		fmt.Fprintf(w, "Bought %s (order %s, prepaid)\t\t%s CNY\n", p.Plan, p.OrderID, p.Price)
	}
	for _, a := range j.Apps {
		fmt.Fprintf(w, "Application %d\t%s min\t(%s s)\n", a.SDKAppID, n(a.Minutes), n(a.Seconds))
	}
	fmt.Fprintf(w, "\t\t\nAmount due\t\t%s CNY\n", j.AmountDue)
	return w.Flush()
}
