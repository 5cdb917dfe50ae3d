package fakeaws

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
)

// Error is an AWS error answer: the HTTP status, the error code and the message.
type Error struct {
	Status        int
	Code, Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf makes an Error with a formatted message.
func Errorf(status int, code, format string, a ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}

// Errors are the errors a service answers with for each code it knows, for failure injection.
type Errors map[string]Error

// For is the error AWS sends with code: the table's, or a 400 for a code the table lacks.
func (t Errors) For(code string) *Error {
	if e, ok := t[code]; ok {
		e.Code = code
		return &e
	}
	return Errorf(400, code, "injected %s", code)
}

// WriteQueryError writes e as the Query protocol's XML error document (STS, IAM), under the
// service's namespace xmlns.
func WriteQueryError(w http.ResponseWriter, xmlns string, e *Error) {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	id := RequestID()
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", id)
	w.WriteHeader(e.Status)
	fmt.Fprintf(w, "<ErrorResponse xmlns=\"%s\">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n",
		xmlns, typ, XMLEscape(e.Code), XMLEscape(e.Message), id)
}

// WriteQueryResult writes a Query protocol answer to action: result (XML elements) inside
// <ActionResult>, left out when empty as for actions that return nothing.
func WriteQueryResult(w http.ResponseWriter, xmlns, action, result string) {
	id := RequestID()
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", id)
	if result != "" {
		result = fmt.Sprintf("  <%sResult>\n%s  </%sResult>\n", action, result, action)
	}
	fmt.Fprintf(w, "<%sResponse xmlns=\"%s\">\n%s  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n</%sResponse>\n",
		action, xmlns, result, id, action)
}

// WriteJSON writes v as a JSON protocol answer with a request id; errorType, when not empty, is
// the X-Amzn-ErrorType header of an error answer.
func WriteJSON(w http.ResponseWriter, status int, contentType, errorType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Requestid", RequestID())
	if errorType != "" {
		w.Header().Set("X-Amzn-Errortype", errorType)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// XMLEscape escapes s for XML text.
func XMLEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// RandomBytes returns n random bytes.
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// RandomText returns n random characters of alphabet.
func RandomText(alphabet string, n int) string {
	b := RandomBytes(n)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// KeyAlphabet is what AWS access key IDs are made of after their prefix.
const KeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// AccessKeyID makes an access key ID with prefix (AKIA for long-lived keys, ASIA for temporary).
func AccessKeyID(prefix string) string { return prefix + RandomText(KeyAlphabet, 16) }

// SecretKey makes a secret access key of AWS's length, 40 characters.
func SecretKey() string { return base64.StdEncoding.EncodeToString(RandomBytes(30)) }

// RequestID makes a request id in AWS's UUID shape.
func RequestID() string {
	b := RandomBytes(16)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
