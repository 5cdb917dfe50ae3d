package fault

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// Unreachable is the one line for an AWS service that could not be reached at all (err holds a
// *url.Error: refused, no route, DNS, TLS): the service, the scheme and host tried, the network's
// own words, and the variables that choose the endpoint. ok is false for any other error, which
// keeps its own text. The SDK's text ("exceeded maximum number of attempts, 5, https response
// error StatusCode: 0, RequestID: , request send failed, Get ...") says none of this plainly.
func Unreachable(service, envSuffix string, err error) (line string, ok bool) {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return "", false
	}
	why := ue.Err.Error()
	var oe *net.OpError
	if errors.As(ue.Err, &oe) && oe.Err != nil {
		why = oe.Err.Error()
	}
	where := ue.URL
	if p, perr := url.Parse(ue.URL); perr == nil && p.Host != "" {
		where = p.Scheme + "://" + p.Host
	}
	return "cannot reach " + service + " at " + where + " (" + strings.Join(strings.Fields(why), " ") +
		"); check the network or AWS_ENDPOINT_URL_" + envSuffix + " / AWS_ENDPOINT_URL", true
}
