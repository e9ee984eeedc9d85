import { CfnOutput, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3assets from "aws-cdk-lib/aws-s3-assets";
import * as s3deploy from "aws-cdk-lib/aws-s3-deployment";
import type { Construct } from "constructs";
import { logBucket, PRIVATE_BUCKET } from "../constructs/private-bucket.js";
import type { DeploySettings } from "../settings.js";

export interface WebStackProps extends StackProps {
  readonly settings: DeploySettings;
}

/**
 * Static hosting of the web form: a private bucket served only through CloudFront (origin access control),
 * with access logs, and the current web build (or the placeholder page) uploaded on deploy. The bucket holds
 * build output only, so it lives here rather than in the data stack; the bucket policy that OAC needs names
 * the distribution, which keeps bucket and distribution in one stack.
 */
export class WebStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    const { settings } = props;

    const accessLogs = logBucket(this, "AccessLogs", { acl: true, expireDays: 365 });
    this.bucket = new s3.Bucket(this, "Site", {
      ...PRIVATE_BUCKET,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: "site/",
    });

    const acmDomain = settings.webDomainName && settings.webCertificateArn;
    const iamDomain = settings.webDomainName && settings.webIamCertificateId;
    const customDomain = acmDomain || iamDomain;
    // CloudFront in the China regions has no origin access control (AWS::CloudFront::OriginAccessControl does not
    // exist there); an origin access identity keeps the bucket private instead.
    const china = settings.region?.startsWith("cn-") ?? false;
    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: `${settings.prefix} web form`,
      defaultRootObject: "index.html",
      defaultBehavior: {
        origin: china
          ? S3BucketOrigin.withOriginAccessIdentity(this.bucket)
          : S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      httpVersion: china ? cloudfront.HttpVersion.HTTP2 : cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: "cloudfront/",
      ...(acmDomain
        ? {
            domainNames: [settings.webDomainName!],
            certificate: acm.Certificate.fromCertificateArn(this, "Certificate", settings.webCertificateArn!),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: "AwsSolutions-CFR1",
        reason: "No geo restriction: residents report from anywhere, including while travelling abroad.",
      },
      {
        id: "AwsSolutions-CFR2",
        reason:
          "Static files only; the API behind the form has its own throttling and API-key checks. Attach a WAF " +
          "web ACL when the public form goes live if the city requires one.",
      },
    );
    if (iamDomain) {
      // CloudFront in China takes an IAM server certificate (no ACM); the L2 construct only knows ACM.
      const cfn = this.distribution.node.defaultChild as cloudfront.CfnDistribution;
      cfn.addPropertyOverride("DistributionConfig.Aliases", [settings.webDomainName]);
      cfn.addPropertyOverride("DistributionConfig.ViewerCertificate", {
        IamCertificateId: settings.webIamCertificateId,
        SslSupportMethod: "sni-only",
        MinimumProtocolVersion: "TLSv1.2_2021",
      });
    }
    if (china) {
      Validations.of(this.distribution).acknowledge({
        id: "AwsSolutions-CFR7",
        reason:
          "China regions: CloudFront there offers no origin access control, so the private bucket is read through " +
          "an origin access identity instead.",
      });
    }
    if (!acmDomain) {
      Validations.of(this.distribution).acknowledge({
        id: "AwsSolutions-CFR4",
        reason: iamDomain
          ? "The viewer certificate (IAM server certificate, TLSv1.2_2021) is set by a property override that " +
            "cdk-nag cannot see."
          : "Without a custom domain the distribution serves the default CloudFront certificate, whose TLS policy " +
            "CloudFront fixes; set webDomainName + webCertificateArn (or webIamCertificateId in China) to " +
            "enforce TLSv1.2_2021.",
      });
    }

    // Upload the web app (web/: form, status page, grid workers' page) and invalidate the cache. The deployment's
    // role gets an explicit policy instead of BucketDeployment's own grants (s3:GetObject*, s3:List*, … on the
    // whole asset bucket, CloudFront on "*"): the one asset object, this bucket, this distribution.
    const site = new s3assets.Asset(this, "SiteAsset", { path: settings.webAssetsDir });
    const deployLogs = new logs.LogGroup(this, "DeployLogs", {
      retention: settings.logRetentionDays as logs.RetentionDays,
    });
    const deployRole = new iam.Role(this, "DeployRole", {
      assumedBy: new iam.ServicePrincipal(iam.ServicePrincipal.servicePrincipalName("lambda")),
      description: "CDK BucketDeployment: copies the web build into the site bucket",
    });
    const allow = (actions: string[], resources: string[]) =>
      deployRole.addToPolicy(new iam.PolicyStatement({ actions, resources }));
    allow(["logs:CreateLogStream", "logs:PutLogEvents"], [deployLogs.logGroupArn]);
    allow(["s3:GetObject"], [site.bucket.arnForObjects(site.s3ObjectKey)]);
    allow(["s3:ListBucket", "s3:GetBucketLocation"], [this.bucket.bucketArn]);
    allow(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [this.bucket.arnForObjects("*")]);
    allow(
      ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
      [this.distribution.distributionArn],
    );
    new s3deploy.BucketDeployment(this, "DeploySite", {
      sources: [
        s3deploy.Source.bucket(site.bucket, site.s3ObjectKey),
        // Where the pages find the API (common.js reads env.json; without it they call their own origin).
        ...(settings.webApiUrl
          ? [s3deploy.Source.jsonData("env.json", { apiBase: settings.webApiUrl })]
          : []),
      ],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ["/*"],
      role: deployRole.withoutPolicyUpdates(),
      logGroup: deployLogs,
      memoryLimit: 256,
    });
    const handler = this.node.children.find((c) => c.node.id.startsWith("Custom::CDKBucketDeployment"));
    if (handler) {
      Validations.of(handler).acknowledge({
        id: "AwsSolutions-L1",
        reason: "The BucketDeployment handler's Python runtime is chosen by aws-cdk-lib and updated with it.",
      });
    }
    const siteLogicalId = this.resolve(this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket));
    Validations.of(deployRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${siteLogicalId}.Arn>/*]`,
      reason:
        "Syncing the web build (aws s3 sync --delete) reads, writes and deletes any object of the site bucket.",
    });

    new CfnOutput(this, "WebUrl", {
      value: `https://${customDomain ? settings.webDomainName : this.distribution.distributionDomainName}/`,
      description: "Web form (CloudFront)",
    });
    new CfnOutput(this, "WebBucketName", { value: this.bucket.bucketName, description: "Web build bucket" });
  }
}
