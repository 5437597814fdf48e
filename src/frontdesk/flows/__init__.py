"""The call-flow language: YAML flows -> validated frozen dataclasses -> a sans-IO interpreter.

    flows = load_flows(Path("flows.yaml"))              # FlowFileError lists every problem
    flow = flows.flows["main"]
    run = FlowRun(flow, call_context("+33612345678", crm_record, flow.languages), clock)
    actions = run.start()

See docs/flows.md for the language, the checks and the interpreter's inputs and actions.
"""

from frontdesk.flows.actions import (
    Action,
    BookCallback,
    CollectDigits,
    Enqueue,
    Forward,
    Hangup,
    Lookup,
    Play,
    Say,
    SetVar,
    SurveyRating,
    Transfer,
    Voicemail,
)
from frontdesk.flows.context import CallContext, Caller, call_context
from frontdesk.flows.errors import (
    ExpressionSyntaxError,
    FlowError,
    FlowFileError,
    FlowRunError,
    Problem,
    Severity,
)
from frontdesk.flows.loader import load_demo_flows, load_flows, parse_flows
from frontdesk.flows.model import Flow, FlowSet
from frontdesk.flows.run import FlowRun
from frontdesk.flows.steps import RunState

__all__ = [
    "Action",
    "BookCallback",
    "CallContext",
    "Caller",
    "CollectDigits",
    "Enqueue",
    "ExpressionSyntaxError",
    "Flow",
    "FlowError",
    "FlowFileError",
    "FlowRun",
    "FlowRunError",
    "FlowSet",
    "Forward",
    "Hangup",
    "Lookup",
    "Play",
    "Problem",
    "RunState",
    "Say",
    "SetVar",
    "Severity",
    "SurveyRating",
    "Transfer",
    "Voicemail",
    "call_context",
    "load_demo_flows",
    "load_flows",
    "parse_flows",
]
