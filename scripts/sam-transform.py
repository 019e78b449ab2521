"""Prints a SAM template as CloudFormation deploys it (the SAM transform, offline, as cfn-lint
runs it), as JSON on stdout: the template tests check what SAM generates (roles, permissions).

Usage: python3 scripts/sam-transform.py template.yaml [region]
"""
import json
import sys

from cfnlint.decode import decode
from cfnlint.template.transforms._sam import Transform


def main() -> int:
    path = sys.argv[1]
    region = sys.argv[2] if len(sys.argv) > 2 else "us-east-1"
    template, problems = decode(path)
    if problems:
        print("\n".join(str(problem) for problem in problems), file=sys.stderr)
        return 1
    transform = Transform(path, template, region)
    errors = transform.transform_template()
    if errors:
        print("\n".join(str(error) for error in errors), file=sys.stderr)
        return 1
    json.dump(transform._template, sys.stdout, default=str)  # noqa: SLF001 - cfn-lint keeps the result there
    return 0


if __name__ == "__main__":
    sys.exit(main())
