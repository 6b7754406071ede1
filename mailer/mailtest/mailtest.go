// Package mailtest runs an SMTP server in the test's process
// (github.com/emersion/go-smtp) that keeps what it receives, so that tests
// read the mails the console really sent, decoded. Only tests import it.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one mail received, decoded.
type Message struct {
	From    string
	To      []string
	Header  mail.Header
	Subject string
	// Body is the text, decoded from its transfer encoding, with \n line
	// ends.
	Body string
}

// Sink is an SMTP server on 127.0.0.1, without TLS or authentication,
// that keeps every message it accepts.
type Sink struct {
	addr string
	mu   sync.Mutex
	got  []Message
	// refuse answers the next refuseN messages with refuse.
	refuse  *smtp.SMTPError
	refuseN int
	// tried counts the messages offered, refused ones included.
	tried int
}

// Start runs a sink until t ends.
func Start(t testing.TB) *Sink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	s := &Sink{addr: l.Addr().String()}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{sink: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 1 << 20
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the RTCBILL_SMTP_URL that reaches the sink.
func (s *Sink) URL() string { return "smtp://" + s.addr + "?tls=none" }

// Refuse answers the next n messages with an SMTP error of code (4xx: try
// again later; 5xx: for good).
func (s *Sink) Refuse(code, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse, s.refuseN = &smtp.SMTPError{Code: code, Message: "refused by the test"}, n
}

// Messages is what arrived so far, oldest first.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.got...)
}

// Tried counts the messages offered, those refused included.
func (s *Sink) Tried() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tried
}

// To is what arrived for addr, oldest first.
func (s *Sink) To(addr string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

// Wait waits up to 30 seconds until n messages have arrived for addr, and
// returns them; it fails t when they do not.
func (s *Sink) Wait(t testing.TB, addr string, n int) []Message {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := s.To(addr)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailtest: %d mails to %s arrived in 30 s, want %d", len(got), addr, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type session struct {
	sink *Sink
	from string
	to   []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	s.sink.tried++
	if s.sink.refuseN > 0 {
		s.sink.refuseN--
		return s.sink.refuse
	}
	m, err := decode(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "mailtest: " + err.Error()}
	}
	m.From, m.To = s.from, append([]string(nil), s.to...)
	s.sink.got = append(s.sink.got, m)
	return nil
}

// decode reads a single-part text message.
func decode(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Message{}, err
	}
	var body io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &noNewlines{body})
	case "", "7bit", "8bit":
	default:
		return Message{}, errors.New("unknown transfer encoding " + msg.Header.Get("Content-Transfer-Encoding"))
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return Message{}, err
	}
	return Message{Header: msg.Header, Subject: subject, Body: strings.ReplaceAll(string(text), "\r\n", "\n")}, nil
}

// noNewlines drops the line breaks of base64 text.
type noNewlines struct{ r io.Reader }

func (n *noNewlines) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, b := range p[:k] {
		if b != '\r' && b != '\n' {
			p[j] = b
			j++
		}
	}
	return j, err
}
