"""Written by jinja2 from templates/timeline.html.j2: do not edit.

Regenerate with ``python -m consultkit.formats.compiled_templates`` after changing
the template or upgrading jinja2 (tests/test_startup_work.py checks it).
"""

JINJA2_VERSION = '3.1.6'
SOURCE_SHA256 = '6b90dfec8bdd594e4d71bbe5609718af9733d8e3eff8865ba48e3d3fcefc01ae'

from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'timeline.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_page = resolve('page')
    try:
        t_1 = environment.filters['bidi']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'bidi' found.")
    try:
        t_2 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    pass
    yield '<!DOCTYPE html><html lang="'
    yield escape(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'language'))
    yield '" dir="'
    yield escape(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'direction'))
    yield '">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="generator" content="consultkit '
    yield escape(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'version'))
    yield '">\n<title>'
    yield escape(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'title'))
    yield '</title>\n<style>body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC", sans-serif; margin-block: 0; margin-inline: auto; max-inline-size: 56rem; padding-block: 1rem 3rem; padding-inline: 1.5rem; color: #1a202c; line-height: 1.45; text-align: start; }\nheader p { margin-block: .3rem; margin-inline: 0; }\n.muted { color: #4a5568; }\nol.timeline { list-style: none; padding: 0; margin-block: 1.5rem; margin-inline: 0; border-inline-start: 3px solid #cbd5e0; }\nol.timeline > li { position: relative; margin-block: 0 1.4rem; margin-inline: 0; padding-block: .2rem 0; padding-inline: 1.2rem 0; }\nol.timeline > li::before { content: ""; position: absolute; inset-inline-start: -.55rem; inset-block-start: .55rem; inline-size: .8rem; block-size: .8rem; border-radius: 50%; background: #2b6cb0; }\nol.timeline > li.kind-event::before { background: #2f855a; }\nol.timeline > li.kind-deadline::before { background: #c53030; border-radius: 0; transform: rotate(45deg); }\nol.timeline > li.status-tentative::before { background: #fff; border: 2px dashed #2b6cb0; }\nol.timeline > li.precision-month::before, ol.timeline > li.precision-unknown::before { background: repeating-linear-gradient(45deg, #fefcbf 0 2px, #d69e2e 2px 4px); }\nol.timeline > li.status-cancelled h3 { text-decoration: line-through; color: #4a5568; }\nh3 { margin-block: 0 .25rem; margin-inline: 0; font-size: 1.1rem; }\n.badges { margin-block: .2rem .4rem; margin-inline: 0; }\n.badge { display: inline-block; font-size: .75rem; padding-block: .05rem; padding-inline: .45rem; margin-block: 0 .2rem; margin-inline: 0 .25rem; border-radius: .6rem; background: #edf2f7; color: #2d3748; border: 1px solid #cbd5e0; }\n.badge.status-tentative { background: #fffaf0; border-style: dashed; border-color: #dd6b20; color: #9c4221; }\n.badge.status-cancelled { background: #fff5f5; border-color: #c53030; color: #9b2c2c; }\n.badge.precision-month, .badge.precision-unknown { background: #fefcbf; border-style: dotted; border-color: #975a16; color: #744210; }\n.badge.relation-current { background: #c6f6d5; border-color: #2f855a; color: #22543d; font-weight: 600; }\n.when { font-weight: 600; margin-block: .1rem; margin-inline: 0; }\n.utc { font-size: .85rem; color: #4a5568; margin-block: 0 .3rem; margin-inline: 0; }\n.calendar-links { font-size: .85rem; margin-block: .3rem 0; margin-inline: 0; }\n.calendar-links a { margin-inline-end: .8rem; }\n.description { white-space: pre-line; }\na { color: #2b6cb0; overflow-wrap: anywhere; }\n.table-wrap { overflow-x: auto; }\ntable { border-collapse: collapse; inline-size: 100%; font-size: .9rem; }\ncaption { text-align: start; font-weight: 600; padding-block: 0 .4rem; }\nth, td { text-align: start; vertical-align: top; padding-block: .3rem; padding-inline: .4rem; border-block-end: 1px solid #e2e8f0; }\nfooter { margin-block-start: 2rem; font-size: .85rem; color: #4a5568; border-block-start: 1px solid #e2e8f0; padding-block-start: .8rem; }\n</style>\n</head>\n<body>\n<header>\n<h1>'
    yield escape(t_1(context, environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'title')))
    yield '</h1>\n'
    if environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'description'):
        pass
        yield '<p class="description">'
        yield escape(t_1(context, environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'description')))
        yield '</p>'
    if environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'organisers'):
        pass
        yield '<p>'
        yield escape(t_1(context, markup_join((environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'organisers'), ':', )), True))
        yield ' '
        yield escape(t_1(context, t_2(context.eval_ctx, environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'organisers'), ', ')))
        yield '</p>'
    yield '<p class="muted">'
    yield escape(t_1(context, environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'times_in')))
    if environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'as_of'):
        pass
        yield ' '
        yield escape(t_1(context, environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'as_of')))
    yield '</p>\n'
    if environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'feed_url'):
        pass
        yield '<p><a href="'
        yield escape(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'webcal_url'))
        yield '">'
        yield escape(t_1(context, environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'subscribe')))
        yield '</a> · <a href="'
        yield escape(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'feed_url'))
        yield '">'
        yield escape(t_1(context, environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'ics_file'), True))
        yield '</a></p>'
    yield '</header>\n<main>\n<h2 id="timeline">'
    yield escape(t_1(context, environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'timeline')))
    yield '</h2>\n<ol class="timeline" aria-labelledby="timeline">\n'
    for l_1_item in environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'entries'):
        _loop_vars = {}
        pass
        yield '<li id="'
        yield escape(environment.getattr(l_1_item, 'anchor'))
        yield '" class="kind-'
        yield escape(environment.getattr(l_1_item, 'kind'))
        yield ' status-'
        yield escape(environment.getattr(l_1_item, 'status'))
        yield ' precision-'
        yield escape(environment.getattr(l_1_item, 'precision'))
        yield '">\n<h3>'
        yield escape(t_1(context, environment.getattr(l_1_item, 'title')))
        yield '</h3>\n<div class="badges">\n<span class="badge kind-'
        yield escape(environment.getattr(l_1_item, 'kind'))
        yield '">'
        yield escape(t_1(context, environment.getattr(l_1_item, 'kind_label')))
        yield '</span>\n<span class="badge status-'
        yield escape(environment.getattr(l_1_item, 'status'))
        yield '">'
        yield escape(t_1(context, environment.getattr(l_1_item, 'status_label')))
        yield '</span>\n<span class="badge precision-'
        yield escape(environment.getattr(l_1_item, 'precision'))
        yield '">'
        yield escape(t_1(context, environment.getattr(l_1_item, 'precision_label')))
        yield '</span>\n'
        if environment.getattr(l_1_item, 'relation_label'):
            pass
            yield '<span class="badge relation-'
            yield escape(environment.getattr(l_1_item, 'relation'))
            yield '">'
            yield escape(t_1(context, environment.getattr(l_1_item, 'relation_label')))
            yield '</span>'
        yield '</div>\n<p class="when">'
        yield escape(t_1(context, environment.getattr(l_1_item, 'when')))
        yield '</p>\n'
        if environment.getattr(l_1_item, 'utc'):
            pass
            yield '<p class="utc">'
            yield escape(t_1(context, environment.getattr(l_1_item, 'utc'), True))
            yield '</p>'
        if environment.getattr(l_1_item, 'description'):
            pass
            yield '<p class="description">'
            yield escape(t_1(context, environment.getattr(l_1_item, 'description')))
            yield '</p>'
        if environment.getattr(l_1_item, 'note'):
            pass
            yield '<p class="description muted">'
            yield escape(t_1(context, environment.getattr(l_1_item, 'note')))
            yield '</p>'
        if ((environment.getattr(l_1_item, 'place') or environment.getattr(l_1_item, 'online_url')) or environment.getattr(l_1_item, 'remote')):
            pass
            yield '<p>'
            yield escape(t_1(context, markup_join((environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'where'), ':', )), True))
            yield ' '
            if environment.getattr(l_1_item, 'place'):
                pass
                yield escape(t_1(context, environment.getattr(l_1_item, 'place')))
            if (environment.getattr(l_1_item, 'place') and environment.getattr(l_1_item, 'online_url')):
                pass
                yield ' · '
            if environment.getattr(l_1_item, 'online_url'):
                pass
                yield '<a href="'
                yield escape(environment.getattr(l_1_item, 'online_url'))
                yield '">'
                yield escape(t_1(context, environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'online')))
                yield '</a>'
            if environment.getattr(l_1_item, 'remote'):
                pass
                if (environment.getattr(l_1_item, 'place') or environment.getattr(l_1_item, 'online_url')):
                    pass
                    yield ' · '
                yield escape(t_1(context, environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'remote')))
            yield '</p>'
        if environment.getattr(l_1_item, 'calls'):
            pass
            yield '<p>'
            yield escape(t_1(context, markup_join((environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'closes_calls'), ':', )), True))
            yield ' '
            yield escape(t_1(context, t_2(context.eval_ctx, environment.getattr(l_1_item, 'calls'), ', ')))
            yield '</p>'
        yield '<p class="muted">'
        yield escape(t_1(context, markup_join((environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'groups'), ':', )), True))
        yield ' '
        yield escape(t_1(context, environment.getattr(l_1_item, 'groups')))
        yield '</p>\n'
        if environment.getattr(l_1_item, 'url'):
            pass
            yield '<p><a href="'
            yield escape(environment.getattr(l_1_item, 'url'))
            yield '">'
            yield escape(t_1(context, environment.getattr(l_1_item, 'url'), True))
            yield '</a></p>'
        if environment.getattr(l_1_item, 'links'):
            pass
            yield '<p class="calendar-links">'
            yield escape(t_1(context, markup_join((environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'add_to_calendar'), ':', )), True))
            yield '\n<a href="'
            yield escape(environment.getattr(environment.getattr(l_1_item, 'links'), 'google'))
            yield '" rel="noopener">'
            yield escape(t_1(context, environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'google')))
            yield '</a>\n<a href="'
            yield escape(environment.getattr(environment.getattr(l_1_item, 'links'), 'outlook'))
            yield '" rel="noopener">'
            yield escape(t_1(context, environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'outlook')))
            yield '</a>\n'
            if environment.getattr(environment.getattr(l_1_item, 'links'), 'ics'):
                pass
                yield '<a href="'
                yield escape(environment.getattr(environment.getattr(l_1_item, 'links'), 'ics'))
                yield '" download="'
                yield escape(environment.getattr(environment.getattr(l_1_item, 'links'), 'ics_name'))
                yield '">'
                yield escape(t_1(context, environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'ics_file'), True))
                yield '</a>'
            yield '</p>\n'
        elif environment.getattr(l_1_item, 'no_links_reason'):
            pass
            yield '<p class="calendar-links muted">'
            yield escape(t_1(context, environment.getattr(l_1_item, 'no_links_reason')))
            yield '</p>\n'
        yield '</li>\n'
    l_1_item = missing
    yield '</ol><div class="table-wrap">\n<table>\n<caption>'
    yield escape(t_1(context, environment.getitem(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'table.caption')))
    yield '</caption>\n<thead><tr>\n<th scope="col">'
    yield escape(t_1(context, environment.getitem(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'table.item')))
    yield '</th>\n<th scope="col">'
    yield escape(t_1(context, environment.getitem(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'table.kind')))
    yield '</th>\n<th scope="col">'
    yield escape(t_1(context, environment.getitem(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'table.when')))
    yield '</th>\n<th scope="col">'
    yield escape(t_1(context, environment.getitem(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'table.status')))
    yield '</th>\n<th scope="col">'
    yield escape(t_1(context, environment.getitem(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'table.precision')))
    yield '</th>\n</tr></thead>\n<tbody>\n'
    for l_1_item in environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'entries'):
        _loop_vars = {}
        pass
        yield '<tr>\n<th scope="row"><a href="#'
        yield escape(environment.getattr(l_1_item, 'anchor'))
        yield '">'
        yield escape(t_1(context, environment.getattr(l_1_item, 'title')))
        yield '</a></th>\n<td>'
        yield escape(t_1(context, environment.getattr(l_1_item, 'kind_label')))
        yield '</td>\n<td>'
        yield escape(t_1(context, environment.getattr(l_1_item, 'when')))
        yield '</td>\n<td>'
        yield escape(t_1(context, environment.getattr(l_1_item, 'status_label')))
        if environment.getattr(l_1_item, 'relation_label'):
            pass
            yield ' · '
            yield escape(t_1(context, environment.getattr(l_1_item, 'relation_label')))
        yield '</td>\n<td>'
        yield escape(t_1(context, environment.getattr(l_1_item, 'precision_label')))
        yield '</td>\n</tr>\n'
    l_1_item = missing
    yield '</tbody>\n</table>\n</div>\n</main>\n<footer>\n'
    if environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'contact'):
        pass
        yield '<p>'
        yield escape(t_1(context, markup_join((environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'contact'), ':', )), True))
        yield ' '
        l_1_loop = missing
        for l_1_part, l_1_loop in LoopContext(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'contact'), undefined):
            _loop_vars = {}
            pass
            if (not environment.getattr(l_1_loop, 'first')):
                pass
                yield ' · '
            yield escape(t_1(context, l_1_part, True))
        l_1_loop = l_1_part = missing
        yield '</p>'
    if environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'website'):
        pass
        yield '<p>'
        yield escape(t_1(context, markup_join((environment.getattr(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'labels'), 'website'), ':', )), True))
        yield ' <a href="'
        yield escape(environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'website'))
        yield '">'
        yield escape(t_1(context, environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'website'), True))
        yield '</a></p>'
    if environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'source'):
        pass
        yield '<p>'
        yield escape(t_1(context, environment.getattr((undefined(name='page') if l_0_page is missing else l_0_page), 'source')))
        yield '</p>'
    yield '</footer>\n</body>\n</html>\n'

blocks = {}
debug_info = '4=25&8=29&9=31&47=33&48=35&49=40&50=48&51=54&54=66&56=68&57=72&58=80&60=82&61=86&62=90&63=94&65=102&66=104&67=109&68=114&69=119&70=144&71=152&72=156&73=163&74=166&75=168&76=172&77=176&79=186&80=189&89=194&91=196&92=198&93=200&94=202&95=204&98=206&100=210&101=214&102=216&103=218&104=224&112=228&113=243&114=252'
