-- A material that a held e-licence satisfies is looked up by holder and type at every
-- submission; without this index that read walked all of a holder's licences.
CREATE INDEX licences_holder_type ON licences (holder, type_id, issued_ms);
