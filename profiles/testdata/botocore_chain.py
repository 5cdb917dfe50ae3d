"""Resolves profiles with botocore, the library inside the AWS CLI, as the oracle of
profiles/botocore_test.go.

Reads a JSON list from stdin, one job per profile: config and credentials (file paths), profile,
endpoint (the STS every client of the session is sent to), mfa_url (an HTTP URL that answers each
GET with a fresh MFA code). Prints a JSON list, one answer per job: access_key and region, or
error. botocore's own shared-config reader and assume-role credential provider do all the work;
only where STS is and how an MFA code is typed are replaced. One process serves every job, so
botocore is loaded once.
"""
import json
import os
import sys
import urllib.request

import botocore.session


def resolve(args):
    os.environ["AWS_CONFIG_FILE"] = args["config"]
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = args["credentials"]
    session = botocore.session.Session(profile=args["profile"])
    create_client = session.create_client

    def to_fake_sts(*a, **kw):
        kw["endpoint_url"] = args["endpoint"]
        if not kw.get("region_name"):
            kw["region_name"] = "us-east-1"
        return create_client(*a, **kw)

    session.create_client = to_fake_sts
    provider = session.get_component("credential_provider").get_provider("assume-role")
    provider._prompter = lambda prompt: urllib.request.urlopen(args["mfa_url"]).read().decode()
    out = {}
    try:
        creds = session.get_credentials()
        if creds is None:
            out["error"] = "no credentials"
        else:
            out["access_key"] = creds.get_frozen_credentials().access_key
        out["region"] = session.get_config_variable("region") or ""
    except Exception as e:  # the oracle's refusal is an answer too
        out["error"] = "%s: %s" % (type(e).__name__, e)
    return out


def main():
    for var in list(os.environ):
        if var.startswith("AWS_"):
            del os.environ[var]
    json.dump([resolve(job) for job in json.load(sys.stdin)], sys.stdout)


main()
