package aws_test

// Strict auth with aws-sdk-go-v2's own SigV4 signer: a fauxcloud started with
// FAUXCLOUD_AUTH=strict and a scenario declaring one key serves calls signed
// with that key and with the session STS issues for it, and refuses a wrong
// secret with EC2's AuthFailure (401) and STS's SignatureDoesNotMatch (403).

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"fauxcloud.test/conformance/harness"
)

const strictScenario = `name: strict-go
extends: default
auth:
  aws:
    keys:
      - { accessKeyId: AKIDGOSTRICT, secretAccessKey: go-secret }
`

func strictConfig(t *testing.T, endpoint string, creds aws.CredentialsProvider) aws.Config {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(testRegion), config.WithBaseEndpoint(endpoint), config.WithCredentialsProvider(creds), config.WithRetryMaxAttempts(1))
	if err != nil {
		t.Fatalf("config.LoadDefaultConfig: %v", err)
	}
	return cfg
}

func wantStatus(t *testing.T, err error, code string, status int) {
	t.Helper()
	wantAPIError(t, err, code)
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("%s: HTTP status = %v, want %d", code, err, status)
	}
}

func TestStrictAuthWithGoSigner(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "strict.yaml")
	if err := os.WriteFile(scenario, []byte(strictScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	// The server the harness starts inherits these.
	t.Setenv("FAUXCLOUD_AUTH", "strict")
	t.Setenv("FAUXCLOUD_SCENARIO", scenario)
	srv, err := harness.Start("strict-auth")
	if err != nil {
		t.Fatalf("start fauxcloud: %v", err)
	}
	defer srv.Stop()
	ctx := context.Background()

	good := strictConfig(t, srv.HTTPURL, credentials.NewStaticCredentialsProvider("AKIDGOSTRICT", "go-secret", ""))
	if _, err := ec2.NewFromConfig(good).DescribeVolumes(ctx, &ec2.DescribeVolumesInput{}); err != nil {
		t.Fatalf("DescribeVolumes with the declared key: %v", err)
	}

	wrong := strictConfig(t, srv.HTTPURL, credentials.NewStaticCredentialsProvider("AKIDGOSTRICT", "not-the-secret", ""))
	_, err = ec2.NewFromConfig(wrong).DescribeVolumes(ctx, &ec2.DescribeVolumesInput{})
	wantStatus(t, err, "AuthFailure", 401)
	_, err = sts.NewFromConfig(wrong).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantStatus(t, err, "SignatureDoesNotMatch", 403)

	out, err := sts.NewFromConfig(good).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::444455556666:role/go"), RoleSessionName: aws.String("go-strict")})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := out.Credentials
	session := strictConfig(t, srv.HTTPURL, credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	id, err := sts.NewFromConfig(session).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with the STS session: %v", err)
	}
	if aws.ToString(id.Account) != "444455556666" {
		t.Fatalf("session account = %q, want 444455556666", aws.ToString(id.Account))
	}
	if _, err := ec2.NewFromConfig(session).DescribeVolumes(ctx, &ec2.DescribeVolumesInput{}); err != nil {
		t.Fatalf("DescribeVolumes with the STS session: %v", err)
	}
	noToken := strictConfig(t, srv.HTTPURL, credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), ""))
	_, err = sts.NewFromConfig(noToken).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantStatus(t, err, "InvalidClientTokenId", 403)
}
