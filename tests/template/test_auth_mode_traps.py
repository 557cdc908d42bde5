"""SAM's traps for switching a REST API's auth with a condition, each shown on its own
transform of a variant of the template, and that the template avoids each one."""

from __future__ import annotations

import copy

from cfn import load_template
from sam_transform import transform
from test_auth_modes import MODES

TEMPLATE = load_template()


def without_definition_body() -> dict:
    template = copy.deepcopy(TEMPLATE)
    api = template["Resources"]["ClassifierApi"]["Properties"]
    del api["DefinitionBody"], api["MergeDefinitions"]
    return template


def test_trap_api_key_required_if_is_silently_ignored() -> None:
    """serverless-application-model #1553, #1724: the Fn::If is taken as "true"."""
    template = without_definition_body()
    auth = template["Resources"]["ClassifierApi"]["Properties"]["Auth"]
    auth["ApiKeyRequired"] = {"Fn::If": ["AuthIam", False, True]}
    transformed = transform({"AuthMode": "IAM"}, template)
    body = transformed["Resources"]["ClassifierApi"]["Properties"]["Body"]
    assert body["paths"]["/classify"]["post"]["security"] == [{"api_key": []}]  # not IAM
    assert "Fn::If" not in str(body["paths"])  # no error, no trace of the condition
    # So the template sets ApiKeyRequired nowhere, on the API or on an event.
    assert "ApiKeyRequired" not in str(TEMPLATE["Resources"]["ClassifierApi"]["Properties"])
    events = TEMPLATE["Resources"]["ClassifierFunction"]["Properties"]["Events"].values()
    assert not [e for e in events if "Auth" in e["Properties"]]


def test_trap_auth_cannot_take_fn_if() -> None:
    """serverless-application-model #1859, #1955: SAM refuses the whole API."""
    template = without_definition_body()
    template["Resources"]["ClassifierApi"]["Properties"]["Auth"] = {
        "Fn::If": ["AuthIam", {"DefaultAuthorizer": "AWS_IAM"}, {"ApiKeyRequired": True}]
    }
    refused = transform({"AuthMode": "IAM"}, template)
    assert refused["error"] == "InvalidDocumentException"
    assert "Invalid value for 'Auth' property" in refused["message"]
    for resource in TEMPLATE["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Api":
            assert "Fn::If" not in str(resource["Properties"].get("Auth"))


def deployments(transformed: dict) -> set[str]:
    resources = transformed["Resources"]
    return {n for n, r in resources.items() if r["Type"] == "AWS::ApiGateway::Deployment"}


def test_trap_changing_the_mode_needs_a_new_deployment() -> None:
    """SAM names the Deployment after the unresolved body: the same in every mode. Without
    AlwaysDeploy a stack updated from API_KEY to IAM would keep serving API_KEY."""
    template = copy.deepcopy(TEMPLATE)
    del template["Resources"]["ClassifierApi"]["Properties"]["AlwaysDeploy"]
    api_key, iam = (transform(MODES[m], copy.deepcopy(template)) for m in ("API_KEY", "IAM"))
    assert deployments(api_key) == deployments(iam)
    assert TEMPLATE["Resources"]["ClassifierApi"]["Properties"]["AlwaysDeploy"] is True
