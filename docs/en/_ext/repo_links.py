"""Links from the pages to repository files outside ``docs/en``.

A page may link a repository file with a relative path, as on a code host:
``[configs/README.md](../../configs/README.md)``. MyST would treat a
Markdown target as a missing document and anything else as a download; this
transform turns every such link whose file exists into a plain link, to
``<repo_url>/blob/main/<path>`` when ``repo_url`` is set (environment
variable ``MMVLP_REPO_URL``) and else to the file in the checkout, relative
to the built page. A link to a file that does not exist is left alone, so
MyST reports it (an error under ``-W``); ``tools/docs/check_links.py`` checks
the same links without Sphinx.
"""
import os.path as osp

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform


class RepoLinks(SphinxTransform):
    default_priority = 5  # before references are resolved (post-transforms)

    def apply(self, **kwargs):
        env = self.env
        srcdir = osp.abspath(str(env.srcdir))
        root = osp.dirname(osp.dirname(srcdir))
        docdir = osp.dirname(osp.join(srcdir, env.docname))
        for node in list(self.document.findall(
                lambda n: isinstance(n, (addnodes.pending_xref,
                                         addnodes.download_reference)))):
            if node.get('reftype') != 'myst':
                continue
            target = node.get('reftarget', '')
            if isinstance(node, addnodes.pending_xref):
                if node.get('refdomain') != 'doc' or \
                        target in env.found_docs:
                    continue
                candidates = [osp.normpath(osp.join(srcdir, target + ext))
                              for ext in ('.md', '.rst')]
            else:
                candidates = [osp.normpath(osp.join(docdir, target))]
            path = next((c for c in candidates if osp.isfile(c)), None)
            if path is None or path.startswith(srcdir + osp.sep) or \
                    not path.startswith(root + osp.sep):
                continue
            rel = osp.relpath(path, root).replace(osp.sep, '/')
            base = self.config.repo_url.rstrip('/')
            if base:
                uri = f'{base}/blob/main/{rel}'
            else:
                page = osp.join(osp.abspath(str(self.app.outdir)),
                                env.docname + '.html')
                uri = osp.relpath(path, osp.dirname(page)).replace(osp.sep,
                                                                   '/')
            ref = nodes.reference('', '', internal=False, refuri=uri)
            ref += node.children
            node.replace_self(ref)


def setup(app):
    app.add_config_value('repo_url', '', 'env')
    app.add_transform(RepoLinks)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
