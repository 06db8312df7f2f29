-- Price periods per model string, [effective_from, effective_to).
select
    model as model_version,
    provider,
    cast(effective_from as date) as effective_from,
    cast(coalesce(effective_to, cast('9999-12-31' as date)) as date) as effective_to,
    cast(input_per_mtok_usd as {{ dbl() }}) as input_per_mtok_usd,
    cast(output_per_mtok_usd as {{ dbl() }}) as output_per_mtok_usd,
    cast(cached_input_per_mtok_usd as {{ dbl() }}) as cached_input_per_mtok_usd,
    cast(coalesce(per_request_usd, 0) as {{ dbl() }}) as per_request_usd,
    source as price_source
from {{ source('raw', 'model_prices') }}
