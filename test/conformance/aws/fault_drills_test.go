package aws_test

// Failure drills driven with the real aws-sdk-go-v2: the SDK's own standard retryer rides out
// the shipped ec2-throttle-storm drill, and its errors look exactly as EC2's.

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

func loadScenario(t *testing.T, name string) {
	t.Helper()
	adminDo(t, http.MethodPut, "/_fauxcloud/scenario", map[string]any{"name": name})
	t.Cleanup(func() { adminDo(t, http.MethodPut, "/_fauxcloud/scenario", map[string]any{"name": "default"}) })
}

func TestThrottleStormDrill(t *testing.T) {
	loadScenario(t, "ec2-throttle-storm")
	since := journalLastSeq(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// The standard retryer as a controller configures it for a busy account: more attempts,
	// and (to keep the test quick) a short back-off base.
	c := ec2.New(newEC2(t).Options(), func(o *ec2.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 10
			so.Backoff = retry.NewExponentialJitterBackoff(100 * time.Millisecond)
		})
	})

	calls, attempts := 0, 0
	for i := 0; i < 20; i++ {
		out, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{})
		if err != nil {
			t.Fatalf("DescribeVolumes #%d failed despite retries: %v", i, err)
		}
		results, _ := retry.GetAttemptResults(out.ResultMetadata)
		calls++
		attempts += len(results.Results)
		if _, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)}); err != nil {
			t.Fatalf("DescribeInstances #%d failed despite retries: %v", i, err)
		}
	}
	throttled := journalCount(t, url.Values{"errorCode": {"RequestLimitExceeded"}, "since": {strconv.Itoa(since)}})
	if throttled == 0 {
		t.Fatalf("no RequestLimitExceeded answers in the journal: the drill did not run")
	}
	if attempts <= calls {
		t.Fatalf("DescribeVolumes took %d attempts for %d calls: the SDK never retried", attempts, calls)
	}
	t.Logf("%d throttled answers; DescribeVolumes needed %d attempts for %d calls", throttled, attempts, calls)

	// Without retries, the SDK surfaces EC2's own error: code and HTTP 503.
	bare := ec2.New(newEC2(t).Options(), func(o *ec2.Options) { o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 1) })
	sawThrottle := false
	for i := 0; i < 30 && !sawThrottle; i++ {
		if _, err := bare.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{}); err != nil {
			ae := wantAPIError(t, err, "RequestLimitExceeded")
			if ae.ErrorMessage() != "Request limit exceeded." {
				t.Fatalf("message = %q", ae.ErrorMessage())
			}
			sawThrottle = true
		}
	}
	if !sawThrottle {
		t.Fatalf("30 unretried calls during a 30%% storm all succeeded")
	}
}
