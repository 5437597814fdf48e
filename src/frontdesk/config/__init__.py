"""The company file: one YAML document describing numbers, agents, trunks and policies."""

from frontdesk.config.company import Agent, Company, Number, RecordingPolicy, Trunk
from frontdesk.config.loader import ConfigError, Problem, load_company, load_demo_company

__all__ = [
    "Agent",
    "Company",
    "ConfigError",
    "Number",
    "Problem",
    "RecordingPolicy",
    "Trunk",
    "load_company",
    "load_demo_company",
]
