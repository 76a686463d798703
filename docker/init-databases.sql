-- Runs once, when the postgres volume is first initialised: one database per node.
CREATE DATABASE prism_a;
CREATE DATABASE prism_b;
