"""Seeds a local Security Hub endpoint (moto) for the integration tests.

stdin: {"endpoint": URL, "region": R, "findings": [ASFF...]}; imports them
with BatchImportFindings in chunks of 100 and fails loudly on any rejection.
"""
import json
import sys

import boto3


def main() -> None:
    req = json.load(sys.stdin)
    client = boto3.client(
        "securityhub",
        region_name=req["region"],
        endpoint_url=req["endpoint"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    findings = req["findings"]
    for i in range(0, len(findings), 100):
        out = client.batch_import_findings(Findings=findings[i : i + 100])
        if out.get("FailedCount", 0):
            sys.exit(f"import failed: {out.get('FailedFindings')}")
    print(len(findings))


if __name__ == "__main__":
    main()
