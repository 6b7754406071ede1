package handlers

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestBillCSVEscapesATabOrACarriageReturnFirst(t *testing.T) {
	body := BillCSV(BillJSON{AccountID: 1, Month: "2026-11", Status: "estimate", AmountDue: "0.00",
		Rooms: []roomUsageJSON{{SDKAppID: 1, RoomID: "\tcmd"}, {SDKAppID: 1, RoomID: "\rcmd"}, {SDKAppID: 1, RoomID: "-1"}}})
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range records {
		if r[2] == "room" {
			got = append(got, r[6])
		}
	}
	if want := []string{"'\tcmd", "'\rcmd", "'-1"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("got room cells %q, want %q", got, want)
	}
}
