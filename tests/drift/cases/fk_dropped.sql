-- kind: FK dropped
-- expect: constraint fk_jobs_model_id_models added
ALTER TABLE jobs DROP CONSTRAINT fk_jobs_model_id_models;
