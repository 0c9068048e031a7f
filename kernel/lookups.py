"""`field__any_of=ids`: membership in a set of ids sent as one array parameter on PostgreSQL.

`__in` with a few hundred ids (a province's communes, every scope of an API key) costs more to build than
the query costs to run: Django prepares and PostgreSQL's client splits one placeholder per id. `any_of`
sends `= ANY(%s::bigint[])` with the ids as one array; other databases get the plain IN list.

The array is cast to the column's type: psycopg sends a list of small ints as `int2[]`, and PostgreSQL then
compares each row's bigint across types, one element after another (a million rows' scope filter priced so high
that the planner starts parallel workers: a capped count of 300,000 values took 12 ms instead of 2.5 ms).
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
            return f"{lhs} = ANY(%s::{self.lhs.output_field.cast_db_type(connection)}[])", [*lhs_params, ids]
        if not ids:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", [*lhs_params, *ids]
