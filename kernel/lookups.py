"""`field__any_of=ids`: membership in a set of ids sent as one array parameter on PostgreSQL.

`__in` with a few hundred ids (a province's communes, every scope of an API key) costs more to build than
the query costs to run: Django prepares and PostgreSQL's client splits one placeholder per id. `any_of`
sends `= ANY(%s)` with the ids as one array; other databases get the plain IN list.
"""

from django.db.models import Field, Lookup


@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [int(pk) for pk in self.rhs]  # ids only: nothing else may reach the array

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, ids]
        if not ids:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", [*lhs_params, *ids]
