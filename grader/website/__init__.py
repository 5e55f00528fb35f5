"""The static course site: lesson pages, in-browser quizzes and the starter workspace."""

from grader.website.build import SiteBuild, build_site
from grader.website.leaks import scan_for_leaks
from grader.website.starter import starter_files

__all__ = ["SiteBuild", "build_site", "scan_for_leaks", "starter_files"]
