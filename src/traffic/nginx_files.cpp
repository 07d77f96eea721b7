#include "traffic/nginx_files.hpp"

#include <fstream>
#include <sstream>

#include "net/process.hpp"

namespace ncbctl::traffic {

Result<std::optional<std::string>> read_lb_file(CommandRunner& runner, const std::string& path, const Deadline& d) {
    auto r = runner.run({"cat", "--", path}, "", d);
    if (!r) return fail(r.error().with_context("nginx include " + path + ": "));
    if (r->exit_code == 0) return std::optional<std::string>(std::move(r->out));
    if (r->err.find("No such file") != std::string::npos) return std::optional<std::string>();
    return fail(ErrorCode::Io, "cannot read " + path + " on " + runner.where() + ": " + net::last_lines(r->err));
}

Result<std::string> maintenance_page_html(const TrafficSpec& spec) {
    if (spec.maintenance_page.empty()) return default_maintenance_page(spec.retry_after);
    std::ifstream in(spec.maintenance_page, std::ios::binary);
    if (!in) return fail(ErrorCode::Io, "cannot read traffic.maintenance_page " + spec.maintenance_page);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int nginx_include_mode(const TrafficSpec& spec) {
    return spec.bypass ? 0600 : 0644;
}

Status write_nginx_files(CommandRunner& runner, const TrafficSpec& spec, const NginxSettings& settings,
                         const std::string& include, bool first, const Deadline& d) {
    auto html = maintenance_page_html(spec);
    if (!html) return fail(html.error());
    if (first) {
        Argv mkdir{"mkdir", "-p", "--"};
        for (const auto* path : {&spec.include_file, &settings.page_file})
            if (const auto slash = path->rfind('/');
                slash != std::string::npos && slash > 0 && mkdir.back() != path->substr(0, slash))
                mkdir.push_back(path->substr(0, slash));
        auto r = runner.run(mkdir, "", d);
        if (!r) return fail(r.error().with_context("mkdir on " + runner.where() + ": "));
        if (r->exit_code != 0)
            return fail(ErrorCode::Io, "cannot create the directory of " + spec.include_file + " on " + runner.where() +
                                           ": " + net::last_lines(r->err));
    }
    if (auto ok = runner.write_file(settings.page_file, *html, d, 0644); !ok) return ok;
    return runner.write_file(spec.include_file, include, d, nginx_include_mode(spec));
}

}  // namespace ncbctl::traffic
