import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";

/** The settings every bucket here shares: no public access, SSE-S3, TLS only, retained on stack deletion. */
export const PRIVATE_BUCKET: s3.BucketProps = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  encryption: s3.BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  removalPolicy: RemovalPolicy.RETAIN,
};

/**
 * A bucket that receives access logs (S3 server access logs, and CloudFront standard logs when `acl` is set,
 * since CloudFront still delivers those with an ACL). Logs expire after `expireDays`.
 */
export function logBucket(
  scope: Construct,
  id: string,
  opts: { acl: boolean; expireDays: number },
): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    ...PRIVATE_BUCKET,
    objectOwnership: opts.acl ? s3.ObjectOwnership.OBJECT_WRITER : s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [
      { id: "expire-logs", expiration: Duration.days(opts.expireDays) },
      { id: "abort-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ],
  });
  Validations.of(bucket).acknowledge({
    id: "AwsSolutions-S1",
    reason: "This is the access-log destination bucket; logging its own accesses into itself would loop.",
  });
  return bucket;
}
