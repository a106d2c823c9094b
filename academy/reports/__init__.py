"""Manager reports (reserved: dashboards and exports land here, on org.scope and the explicitly refreshed
derived tables).  May use learning, org and platform."""
