"""Load stage and validate stage: the data files, their JSON Schemas and the rules the schemas cannot say."""
