"""Parses Prometheus text exposition (stdin) with the reference Python client's parser and prints one line per
sample: family|type|sample name|label=value,...|value. A malformed exposition makes the parser raise: exit 1."""
import sys

from prometheus_client.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
        print(f"{family.name}|{family.type}|{sample.name}|{labels}|{sample.value!r}")
