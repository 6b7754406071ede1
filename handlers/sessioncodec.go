package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec stores a web session's values as JSON instead of scs's
// default gob. Every request decodes its session, and gob builds its
// decoder anew each time: a profile of a signed-in page showed gob
// decoding at more than half of the request's CPU. The console keeps only
// integers and strings in a session; Encode refuses anything else rather
// than lose its type. Sessions written with gob before (their data does
// not start with '{') are still read.
type sessionCodec struct{}

// sessionData is the stored form: the deadline in Unix nanoseconds, then
// the values by type, so that an int64 reads back as an int64.
type sessionData struct {
	Deadline int64             `json:"deadline"`
	Ints     map[string]int64  `json:"int,omitempty"`
	Strings  map[string]string `json:"str,omitempty"`
}

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	d := sessionData{Deadline: deadline.UnixNano()}
	for k, v := range values {
		switch v := v.(type) {
		case int64:
			if d.Ints == nil {
				d.Ints = map[string]int64{}
			}
			d.Ints[k] = v
		case string:
			if d.Strings == nil {
				d.Strings = map[string]string{}
			}
			d.Strings[k] = v
		default:
			return nil, fmt.Errorf("session value %q is a %T: only int64 and string are kept", k, v)
		}
	}
	return json.Marshal(d)
}

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if !bytes.HasPrefix(b, []byte("{")) {
		return scs.GobCodec{}.Decode(b)
	}
	var d sessionData
	if err := json.Unmarshal(b, &d); err != nil {
		return time.Time{}, nil, err
	}
	values := make(map[string]any, len(d.Ints)+len(d.Strings))
	for k, v := range d.Ints {
		values[k] = v
	}
	for k, v := range d.Strings {
		values[k] = v
	}
	return time.Unix(0, d.Deadline), values, nil
}
