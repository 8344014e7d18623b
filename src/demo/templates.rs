//! Realistic material for the demo: real control IDs, real CVEs, plausible names.

use crate::model::Severity::{self, Critical, High, Info, Low, Medium, Unknown};

pub struct Env {
    pub account: &'static str,
    pub short: &'static str,
    pub regions: &'static [&'static str],
    pub cluster: &'static str,
}

pub const ENVS: [Env; 2] = [
    Env {
        account: "111122223333",
        short: "prod",
        regions: &["eu-west-1", "us-east-1"],
        cluster: "prod-eu-1",
    },
    Env {
        account: "444455556666",
        short: "stg",
        regions: &["eu-west-1", "us-east-1"],
        cluster: "staging-us-1",
    },
];

pub struct AwsControl {
    pub control: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub description: &'static str,
    pub resource: &'static str,
    pub per_region: u32,
}

pub const AWS_CONTROLS: &[AwsControl] = &[
    AwsControl { control: "S3.1", severity: Medium, title: "S3 general purpose buckets should have block public access settings enabled", description: "This control checks whether the preceding Amazon S3 block public access settings are configured at the bucket level.", resource: "arn:aws:s3:::{n}-assets", per_region: 2 },
    AwsControl { control: "S3.8", severity: High, title: "S3 general purpose buckets should block public access", description: "This control checks whether an Amazon S3 general purpose bucket blocks public access at the bucket level.", resource: "arn:aws:s3:::{n}-exports", per_region: 2 },
    AwsControl { control: "EC2.19", severity: Critical, title: "Security groups should not allow unrestricted access to ports with high risk", description: "This control checks whether unrestricted incoming traffic for an Amazon EC2 security group is accessible to the specified ports that are considered to be high risk.", resource: "arn:aws:ec2:{region}:{account}:security-group/sg-0{n}a1", per_region: 2 },
    AwsControl { control: "EC2.8", severity: High, title: "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)", description: "This control checks whether your Amazon EC2 instance metadata version is configured with IMDSv2.", resource: "arn:aws:ec2:{region}:{account}:instance/i-0{n}7f3c", per_region: 3 },
    AwsControl { control: "IAM.6", severity: Critical, title: "Hardware MFA should be enabled for the root user", description: "This control checks whether your AWS account is enabled to use a hardware multi-factor authentication (MFA) device to sign in with root user credentials.", resource: "arn:aws:iam::{account}:root", per_region: 1 },
    AwsControl { control: "IAM.1", severity: High, title: "IAM policies should not allow full \"*\" administrative privileges", description: "This control checks whether the default version of IAM policies has administrator access that includes a statement with \"Effect\": \"Allow\" with \"Action\": \"*\" over \"Resource\": \"*\".", resource: "arn:aws:iam::{account}:policy/{n}-deploy-admin", per_region: 1 },
    AwsControl { control: "RDS.3", severity: Medium, title: "RDS DB instances should have encryption at-rest enabled", description: "This control checks whether storage encryption is enabled for your Amazon RDS DB instances.", resource: "arn:aws:rds:{region}:{account}:db:{n}-orders", per_region: 2 },
    AwsControl { control: "RDS.2", severity: Critical, title: "RDS DB instances should prohibit public access, as determined by the PubliclyAccessible configuration", description: "This control checks whether Amazon RDS instances are publicly accessible by evaluating the PubliclyAccessible field in the instance configuration item.", resource: "arn:aws:rds:{region}:{account}:db:{n}-reporting", per_region: 1 },
    AwsControl { control: "CloudTrail.1", severity: High, title: "CloudTrail should be enabled and configured with at least one multi-Region trail", description: "This control checks that there is at least one multi-Region AWS CloudTrail trail.", resource: "AWS::::Account:{account}", per_region: 1 },
    AwsControl { control: "CloudTrail.2", severity: Medium, title: "CloudTrail should have encryption at-rest enabled", description: "This control checks whether CloudTrail is configured to use server-side encryption (SSE) AWS KMS key encryption.", resource: "arn:aws:cloudtrail:{region}:{account}:trail/{n}-trail", per_region: 1 },
    AwsControl { control: "KMS.4", severity: Medium, title: "AWS KMS key rotation should be enabled", description: "This control checks whether automatic key rotation is enabled for each customer managed AWS KMS key.", resource: "arn:aws:kms:{region}:{account}:key/{n}-5e1b", per_region: 2 },
    AwsControl { control: "Lambda.2", severity: Medium, title: "Lambda functions should use supported runtimes", description: "This control checks whether AWS Lambda function runtime settings match the expected values set for the supported runtimes.", resource: "arn:aws:lambda:{region}:{account}:function:{n}-thumbnailer", per_region: 2 },
    AwsControl { control: "ECR.1", severity: High, title: "ECR private repositories should have image scanning configured", description: "This control checks whether a private Amazon ECR repository has image scanning configured.", resource: "arn:aws:ecr:{region}:{account}:repository/{n}/checkout", per_region: 1 },
    AwsControl { control: "EC2.2", severity: High, title: "VPC default security groups should not allow inbound or outbound traffic", description: "This control checks whether the default security group of a VPC allows inbound or outbound traffic.", resource: "arn:aws:ec2:{region}:{account}:security-group/sg-0{n}def", per_region: 1 },
    AwsControl { control: "SSM.1", severity: Medium, title: "Amazon EC2 instances should be managed by AWS Systems Manager", description: "This control checks whether the EC2 instances in your account are managed by AWS Systems Manager.", resource: "arn:aws:ec2:{region}:{account}:instance/i-0{n}9b2e", per_region: 2 },
    AwsControl { control: "Config.1", severity: Low, title: "AWS Config should be enabled and use the service-linked role for resource recording", description: "This control checks whether AWS Config is enabled in your account in the current AWS Region.", resource: "AWS::::Account:{account}", per_region: 1 },
    AwsControl { control: "EC2.10", severity: Low, title: "Amazon EC2 should be configured to use VPC endpoints that are created for the Amazon EC2 service", description: "This control checks whether a service endpoint for Amazon EC2 is created for each VPC.", resource: "arn:aws:ec2:{region}:{account}:vpc/vpc-0{n}c4", per_region: 2 },
    AwsControl { control: "S3.9", severity: Info, title: "S3 general purpose buckets should have server access logging enabled", description: "This control checks whether server access logging is enabled for an Amazon S3 general purpose bucket.", resource: "arn:aws:s3:::{n}-logs", per_region: 2 },
    AwsControl { control: "GuardDuty.Recon", severity: Unknown, title: "Unusual API call pattern from an unrecognised principal (severity not provided by the product)", description: "A third-party integration reported this finding without a severity.", resource: "arn:aws:iam::{account}:user/ci-{n}", per_region: 1 },
];

pub struct Workload {
    pub kind: &'static str,
    pub namespace: &'static str,
    pub name: &'static str,
    pub hash: &'static str,
    pub image: &'static str,
}

pub const WORKLOADS: &[Workload] = &[
    Workload { kind: "Deployment", namespace: "payments", name: "payments-api", hash: "7d9f8c6b5", image: "registry.example.com/payments/api:2.14.1-alpine" },
    Workload { kind: "Deployment", namespace: "payments", name: "ledger-worker", hash: "5c7b9d4f8", image: "registry.example.com/payments/ledger:1.8.0-debian" },
    Workload { kind: "Deployment", namespace: "checkout", name: "checkout-web", hash: "6f8d7c9b4", image: "registry.example.com/checkout/web:3.2.0-node" },
    Workload { kind: "Deployment", namespace: "checkout", name: "cart-service", hash: "84c6f9d7b", image: "registry.example.com/checkout/cart:0.9.12-alpine" },
    Workload { kind: "StatefulSet", namespace: "search", name: "opensearch", hash: "0", image: "opensearchproject/opensearch:2.11.0-debian" },
    Workload { kind: "Deployment", namespace: "search", name: "indexer", hash: "9b7c5d8f6", image: "registry.example.com/search/indexer:5.0.3-python" },
    Workload { kind: "DaemonSet", namespace: "kube-system", name: "aws-node", hash: "0", image: "602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon-k8s-cni:v1.15.1-alpine" },
    Workload { kind: "Deployment", namespace: "ingress-nginx", name: "ingress-nginx-controller", hash: "7b8c9d6f5", image: "registry.k8s.io/ingress-nginx/controller:v1.9.4-alpine" },
    Workload { kind: "Deployment", namespace: "monitoring", name: "grafana", hash: "5f6d8c7b9", image: "grafana/grafana:10.2.2-debian" },
];

pub struct K8sControl {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub fix: &'static str,
}

pub const K8S_CONTROLS: &[K8sControl] = &[
    K8sControl { id: "C-0017", severity: Low, title: "Immutable container filesystem", fix: "set spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = true" },
    K8sControl { id: "C-0013", severity: Medium, title: "Non-root containers", fix: "set spec.template.spec.containers[0].securityContext.runAsNonRoot = true" },
    K8sControl { id: "C-0016", severity: Medium, title: "Allow privilege escalation", fix: "set spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = false" },
    K8sControl { id: "C-0057", severity: Critical, title: "Privileged container", fix: "remove spec.template.spec.containers[0].securityContext.privileged" },
    K8sControl { id: "C-0009", severity: High, title: "Resource limits", fix: "set spec.template.spec.containers[0].resources.limits.cpu = YOUR_VALUE" },
    K8sControl { id: "C-0034", severity: Medium, title: "Automatic mapping of service account", fix: "set spec.template.spec.automountServiceAccountToken = false" },
    K8sControl { id: "C-0046", severity: Medium, title: "Insecure capabilities", fix: "remove spec.template.spec.containers[0].securityContext.capabilities.add[0]" },
    K8sControl { id: "C-0038", severity: High, title: "Host PID/IPC privileges", fix: "remove spec.template.spec.hostPID" },
    K8sControl { id: "C-0044", severity: Medium, title: "Container hostPort", fix: "remove spec.template.spec.containers[0].ports[0].hostPort" },
    K8sControl { id: "C-0260", severity: Medium, title: "Missing network policy", fix: "Define a NetworkPolicy that selects this workload." },
    K8sControl { id: "C-0270", severity: Medium, title: "Ensure CPU limits are set", fix: "set spec.template.spec.containers[0].resources.limits.cpu = YOUR_VALUE" },
    K8sControl { id: "C-0018", severity: Low, title: "Configured readiness probe", fix: "set spec.template.spec.containers[0].readinessProbe = YOUR_VALUE" },
];

pub struct Cve {
    pub id: &'static str,
    pub severity: Severity,
    pub package: &'static str,
    pub installed: &'static str,
    pub fixed: &'static str,
    pub title: &'static str,
    /// Which images carry the package (a substring of the image reference).
    pub image_hint: &'static str,
}

pub const CONTAINER_CVES: &[Cve] = &[
    Cve { id: "CVE-2023-38545", severity: Critical, package: "curl", installed: "8.3.0-r0", fixed: "8.4.0-r0", title: "curl: heap based buffer overflow in the SOCKS5 proxy handshake", image_hint: "alpine" },
    Cve { id: "CVE-2023-38546", severity: Low, package: "libcurl", installed: "8.3.0-r0", fixed: "8.4.0-r0", title: "curl: cookie injection with none file", image_hint: "alpine" },
    Cve { id: "CVE-2023-5363", severity: High, package: "libssl3", installed: "3.1.3-r0", fixed: "3.1.4-r0", title: "openssl: Incorrect cipher key and IV length processing", image_hint: "alpine" },
    Cve { id: "CVE-2024-6387", severity: High, package: "openssh-client", installed: "1:9.2p1-2", fixed: "1:9.2p1-2+deb12u3", title: "openssh: regreSSHion: race condition in signal handling", image_hint: "debian" },
    Cve { id: "CVE-2023-4911", severity: High, package: "libc6", installed: "2.36-9+deb12u1", fixed: "2.36-9+deb12u3", title: "glibc: buffer overflow in ld.so leading to privilege escalation", image_hint: "debian" },
    Cve { id: "CVE-2023-44487", severity: High, package: "golang.org/x/net", installed: "v0.15.0", fixed: "0.17.0", title: "HTTP/2: Multiple HTTP/2 enabled web servers are vulnerable to a DDoS attack (Rapid Reset Attack)", image_hint: "v1." },
    Cve { id: "CVE-2023-45853", severity: Critical, package: "zlib1g", installed: "1:1.2.13.dfsg-1", fixed: "", title: "zlib: integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_6", image_hint: "debian" },
    Cve { id: "CVE-2023-46233", severity: Critical, package: "crypto-js", installed: "4.1.1", fixed: "4.2.0", title: "crypto-js: PBKDF2 1,000 times weaker than specified in 1993", image_hint: "node" },
    Cve { id: "CVE-2023-26136", severity: Medium, package: "tough-cookie", installed: "4.1.2", fixed: "4.1.3", title: "tough-cookie: prototype pollution in cookie memstore", image_hint: "node" },
    Cve { id: "CVE-2023-43804", severity: Medium, package: "urllib3", installed: "1.26.16", fixed: "1.26.17", title: "python-urllib3: Cookie request header isn't stripped during cross-origin redirects", image_hint: "python" },
    Cve { id: "CVE-2023-37920", severity: Critical, package: "certifi", installed: "2022.12.7", fixed: "2023.7.22", title: "python-certifi: Removal of e-Tugra root certificate", image_hint: "python" },
    Cve { id: "CVE-2005-2541", severity: Low, package: "tar", installed: "1.34+dfsg-1.2", fixed: "", title: "tar: does not properly warn the user when extracting setuid or setgid files", image_hint: "debian" },
    Cve { id: "CVE-2011-3374", severity: Info, package: "apt", installed: "2.6.1", fixed: "", title: "It was found that apt-key in apt, all versions, do not correctly validate gpg keys", image_hint: "debian" },
    Cve { id: "CVE-2023-39325", severity: High, package: "golang.org/x/net", installed: "v0.15.0", fixed: "0.17.0", title: "golang: net/http, x/net/http2: rapid stream resets can cause excessive work", image_hint: "v" },
];

pub struct TrivyCheck {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub description: &'static str,
    pub fix: &'static str,
}

pub const TRIVY_CHECKS: &[TrivyCheck] = &[
    TrivyCheck { id: "KSV014", severity: Low, title: "Root file system is not read-only", description: "An immutable root file system prevents applications from writing to their local disk.", fix: "Change 'containers[].securityContext.readOnlyRootFilesystem' to 'true'." },
    TrivyCheck { id: "KSV012", severity: Medium, title: "Runs as root user", description: "Force the running image to run as a non-root user to ensure least privileges.", fix: "Set 'containers[].securityContext.runAsNonRoot' to true." },
    TrivyCheck { id: "KSV001", severity: Medium, title: "Process can elevate its own privileges", description: "A program inside the container can elevate its own privileges and run as root.", fix: "Set 'set containers[].securityContext.allowPrivilegeEscalation' to 'false'." },
    TrivyCheck { id: "KSV017", severity: High, title: "Privileged container", description: "Privileged containers share namespaces with the host system and do not offer any security.", fix: "Change 'containers[].securityContext.privileged' to 'false'." },
    TrivyCheck { id: "KSV104", severity: Medium, title: "Seccomp policies disabled", description: "A program inside the container can bypass Seccomp protection policies.", fix: "Specify seccomp either by annotation or by seccomp profile type having allowed values as per pod security standards." },
];
